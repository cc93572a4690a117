import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { InstrumentsController } from './instruments.controller.js';
import { InstrumentsService } from './instruments.service.js';
import { MasterFile } from './master-file.js';
import { MasterStorage } from './master-storage.js';

/** The instrument master: symbol resolution and search. */
@Module({
  imports: [AuthModule, ClusterModule],
  controllers: [InstrumentsController],
  providers: [InstrumentsService, MasterStorage, MasterFile],
  exports: [InstrumentsService],
})
export class InstrumentsModule {}
