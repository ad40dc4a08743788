import { Module } from '@nestjs/common';
import { DocsController } from './docs.controller.js';

/** `GET /docs`: Swagger UI; `GET /docs/openapi.json`: the OpenAPI document. Both public. */
@Module({ controllers: [DocsController] })
export class DocsModule {}
