import { ctOpenApiDocument, type OpenApiDocument } from '@ct/shared';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { ApiError } from '../errors/api-error.js';
import { SWAGGER_UI_ASSETS, SWAGGER_UI_DIR, swaggerUiPage } from './swagger-ui.js';

/** The OpenAPI document built from the route contract in `@ct/shared`, and Swagger UI to read it. */
@Controller('docs')
@Public()
export class DocsController {
  private readonly document = ctOpenApiDocument();
  private readonly page = swaggerUiPage('/docs/openapi.json', '/docs');

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  ui(): string {
    return this.page;
  }

  @Get('openapi.json')
  openApi(): OpenApiDocument {
    return this.document;
  }

  @Get(':asset')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (!SWAGGER_UI_ASSETS.has(asset)) throw new ApiError('not_found', `no file ${asset} in /docs`);
    res.sendFile(asset, { root: SWAGGER_UI_DIR, maxAge: '1d' });
  }
}
