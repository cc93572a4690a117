import { Global, Module } from '@nestjs/common';
import { RelayEvents } from './relay-events.js';

/** Global on purpose, like config, clock and metrics: the one event bus every module raises and hears events on. */
@Global()
@Module({ providers: [RelayEvents], exports: [RelayEvents] })
export class EventsModule {}
