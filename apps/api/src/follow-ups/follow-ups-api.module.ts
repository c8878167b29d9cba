import { Module } from '@nestjs/common';
import { FollowUpsModule } from '@aftercare/application';
import { PlaybooksController } from './playbooks.controller';
import { PromisesController } from './promises.controller';
import { TasksController } from './tasks.controller';

/** Follow-ups over HTTP: the worklist, task completion, promises and playbooks. */
@Module({
  imports: [FollowUpsModule],
  controllers: [TasksController, PromisesController, PlaybooksController],
})
export class FollowUpsApiModule {}
