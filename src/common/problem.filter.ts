import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { problemFromDatabaseError } from '../database/database-errors';
import { ProblemBody, ProblemException, ProblemType, problemTitle, problemTypeForStatus } from './problem';

/**
 * Every error leaves Vigil as application/problem+json (RFC 9457). Errors that are not ours
 * (a driver error nobody mapped, a bug) become a 500 without internals and are logged.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const { body, headers } = this.toProblem(exception, request);
    if (body.status >= 500) {
      this.logger.error({ err: exception, path: request?.route?.path }, 'unhandled error');
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, request: Request): { body: ProblemBody; headers: Record<string, string> } {
    if (exception instanceof ProblemException) {
      return { body: exception.problem, headers: exception.headers };
    }
    const mapped = problemFromDatabaseError(exception);
    if (mapped) return { body: mapped.problem, headers: {} };

    // body-parser errors (malformed JSON, body too large) arrive as plain errors with a status
    const raw = exception as { status?: number; statusCode?: number; type?: string; message?: string };
    if (!(exception instanceof HttpException) && typeof raw?.status === 'number' && raw.status < 500) {
      const type = raw.type === 'entity.too.large' ? ProblemType.tooLarge : problemTypeForStatus(raw.status);
      const detail = raw.type === 'entity.parse.failed' ? 'The request body is not valid JSON' : (raw.message ?? 'Bad request');
      return { body: this.body(type, raw.status, detail), headers: {} };
    }

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const type = problemTypeForStatus(status);
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : Array.isArray((response as { message?: unknown }).message)
            ? ((response as { message: string[] }).message).join('; ')
            : String((response as { message?: unknown }).message ?? exception.message);
      const headers: Record<string, string> = {};
      if (status === 404 && /Cannot (GET|POST|PUT|PATCH|DELETE)/.test(message)) {
        return { body: this.body(ProblemType.notFound, 404, `No route ${request.method} ${request.path}`), headers };
      }
      return { body: this.body(type, status, message), headers };
    }
    return { body: this.body(ProblemType.internal, 500, 'An internal error occurred; it has been logged'), headers: {} };
  }

  private body(type: ProblemBody['type'], status: number, detail: string): ProblemBody {
    return { type, title: problemTitle(type), status, detail };
  }
}
