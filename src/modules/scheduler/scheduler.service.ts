import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager, IsNull, LessThanOrEqual } from 'typeorm';
import { Clock, CLOCK } from '../../common/clock';
import { VIGIL_CONFIG, VigilConfig } from '../../config/configuration';
import { UnitOfWork } from '../../database/unit-of-work';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service';
import { ScheduledTask } from './entities/scheduled-task.entity';

export type TaskHandler = (manager: EntityManager, task: ScheduledTask, firedAt: Date) => Promise<void>;

export interface NewTask {
  participantId: string;
  sessionId?: string | null;
  kind: string;
  key: string;
  label: string;
  dueAt: Date;
  payload?: Record<string, unknown>;
}

/**
 * The one scheduler of durable timers. It polls due rows against the injected clock (no
 * setTimeout, which misfires beyond 24.8 days), claims each with a conditional update so it
 * fires exactly once even with two instances, and runs its handler in the same transaction.
 * After a restart, whatever came due meanwhile fires on the first tick.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly handlers = new Map<string, TaskHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  register(kind: string, handler: TaskHandler): void {
    this.handlers.set(kind, handler);
  }

  onApplicationBootstrap(): void {
    if (this.config.schedulerIntervalMs > 0) {
      // whatever came due while Vigil was down fires now, not one interval later
      void this.tick().catch((err) => this.logger.error({ err }, 'scheduler tick failed'));
      this.timer = setInterval(() => void this.tick().catch((err) => this.logger.error({ err }, 'scheduler tick failed')), this.config.schedulerIntervalMs);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Schedules tasks inside the caller's transaction (they exist only if the change commits). */
  async schedule(manager: EntityManager, tasks: NewTask[]): Promise<void> {
    if (tasks.length === 0) return;
    const now = this.clock.now();
    const rows = tasks.map((t) =>
      manager.create(ScheduledTask, { ...t, sessionId: t.sessionId ?? null, payload: t.payload ?? null, firedAt: null, doneAt: null, createdAt: now }),
    );
    await manager.save(ScheduledTask, rows);
  }

  /** Fires everything due now; returns how many fired. Ticks never overlap. */
  tick(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.fireDue().finally(() => (this.running = undefined));
    return this.running;
  }

  private async fireDue(): Promise<number> {
    const now = this.clock.now();
    const due = await this.uow.reader.find(ScheduledTask, {
      where: { firedAt: IsNull(), dueAt: LessThanOrEqual(now) },
      order: { dueAt: 'ASC' },
      take: 500,
    });
    let fired = 0;
    for (const task of due) {
      try {
        if (await this.fire(task, now)) fired++;
      } catch (err) {
        // the claim rolled back with the handler: the task stays due and is tried again
        this.logger.error({ err, taskId: task.id, kind: task.kind }, 'task handler failed');
      }
    }
    return fired;
  }

  private fire(task: ScheduledTask, now: Date): Promise<boolean> {
    return this.uow.run(async (manager) => {
      const claim = await manager
        .createQueryBuilder()
        .update(ScheduledTask)
        .set({ firedAt: now })
        .where('id = :id AND fired_at IS NULL', { id: task.id })
        .execute();
      if (!claim.affected) return false;
      await this.audit.record(manager, {
        actor: SYSTEM_ACTOR,
        action: 'task.fired',
        entityType: task.sessionId ? 'session' : 'participant',
        entityId: task.sessionId ?? task.participantId,
        new: { taskId: task.id, kind: task.kind, key: task.key, dueAt: task.dueAt.toISOString() },
      });
      const handler = this.handlers.get(task.kind);
      if (handler) await handler(manager, task, now);
      return true;
    });
  }
}
