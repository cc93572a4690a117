import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfigService } from '../config/app-config.service.js';
import { METRICS_CHALLENGE, metricsAuthorized } from './metrics-auth.js';

/** `/metrics` on the main port: 401 without `Authorization: Bearer <METRICS_TOKEN>` when one is set. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(private readonly config: AppConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (metricsAuthorized(req.headers.authorization, this.config.values.metricsToken)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', METRICS_CHALLENGE);
    throw new UnauthorizedException('send Authorization: Bearer <METRICS_TOKEN>');
  }
}
