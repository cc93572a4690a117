import {
  Injectable,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Admin routes take JSON bodies only (415 otherwise): a form post is what a cross-site page can
 * send without a preflight, so refusing every other type closes that door whatever the cookie does.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (!WITH_BODY.has(req.method)) return true;
    if (req.is('application/json') === 'application/json') return true;
    throw new UnsupportedMediaTypeException('send a JSON body (Content-Type: application/json)');
  }
}
