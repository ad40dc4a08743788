import { ProjectStore } from '@ct/db';
import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, DatabaseModule } from '../database/database.module.js';
import { ProjectsController } from './projects.controller.js';
import { ProjectsService } from './projects.service.js';

@Module({
  imports: [DatabaseModule],
  controllers: [ProjectsController],
  providers: [
    { provide: ProjectStore, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new ProjectStore(ds) },
    ProjectsService,
  ],
  exports: [ProjectsService],
})
export class ProjectsModule {}
