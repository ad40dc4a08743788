import type { ErrorBody } from '@ct/shared';
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from '../errors/api-error.js';
import { httpStatusOf } from '../errors/http-status.js';
import { toApiError } from '../errors/to-api-error.js';

/** Every error leaves the API as `{code, message, details?}`; unexpected ones are logged, not shown. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const error = toApiError(exception) ?? this.unexpected(exception, request);
    if (response.headersSent) {
      // A stream (SSE) already started: the status is gone, so end it; the client reconnects.
      if (error.code !== 'internal')
        this.logger.warn(`${describe(request)} failed mid-stream: ${error.message}`);
      response.end();
      return;
    }
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error.details !== undefined) body.details = error.details;
    if (error.code === 'unauthenticated') response.setHeader('WWW-Authenticate', 'Bearer realm="ct"');
    response.status(httpStatusOf(error.code)).json(body);
  }

  private unexpected(exception: unknown, request: Request): ApiError {
    const stack = exception instanceof Error ? exception.stack : String(exception);
    this.logger.error(`${describe(request)} failed: ${stack}`);
    return new ApiError('internal', 'the server failed to answer this request; it has been logged');
  }
}

function describe(request: Request): string {
  return `${request.method} ${request.originalUrl.split('?')[0]}`;
}
