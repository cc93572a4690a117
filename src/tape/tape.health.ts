import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TapeRecorder } from './tape-recorder.service.js';

/** `tape: {state, day?, segment?, frames_recorded, frames_dropped, last_error?, warning?}`; never down (the feed is unaffected). */
@Injectable()
export class TapeHealthIndicator {
  constructor(
    private readonly recorder: TapeRecorder,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check() {
    return this.indicator.check('tape').up(this.recorder.status);
  }
}
