import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterModule } from '../cluster/cluster.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { TapeHealthIndicator } from './tape.health.js';
import { TapeRecorder } from './tape-recorder.service.js';

/** The tape: records the node's upstream (RECORD=on) into RECORD_DIR; replay and export are CLIs. */
@Module({
  imports: [ClusterModule, InstrumentsModule, MarketFeedModule, TerminusModule],
  providers: [TapeRecorder, TapeHealthIndicator],
  exports: [TapeHealthIndicator],
})
export class TapeModule {}
