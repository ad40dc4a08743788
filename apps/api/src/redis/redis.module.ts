import { Module } from '@nestjs/common';
import { ChannelSubscriber } from './channel-subscriber.js';
import { JobSignals } from './job-signals.js';
import { RedisClients } from './redis-clients.js';

@Module({
  providers: [RedisClients, ChannelSubscriber, JobSignals],
  exports: [RedisClients, ChannelSubscriber, JobSignals],
})
export class RedisModule {}
