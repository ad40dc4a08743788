import { Module } from '@nestjs/common';
import { ChannelSubscriber } from './channel-subscriber.js';
import { JobChannels } from './job-channels.js';
import { RedisClients } from './redis-clients.js';

@Module({
  providers: [RedisClients, ChannelSubscriber, JobChannels],
  exports: [RedisClients, ChannelSubscriber, JobChannels],
})
export class RedisModule {}
