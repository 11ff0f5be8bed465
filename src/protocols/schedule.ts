import { DosingContext } from './gates';
import { minimumMonitoringMinutes, plannedDose } from './parameters';
import { Phase } from './types';

/**
 * The protocol's timed things as plain data: what is due when after a dose or a closed session.
 * The scheduler module stores them as durable timer rows for the participant and session.
 */
export interface PlannedTask {
  kind: 'vitals-check' | 'supplemental-window' | 'minimum-monitoring' | 'visit-window' | 'follow-up-contact' | 'reachability';
  key: string;
  label: string;
  dueAt: Date;
  payload?: Record<string, unknown>;
}

const DAY_MS = 86_400_000;
const at = (base: Date | string, ms: number) => new Date(new Date(base).getTime() + ms);

/** Timers that start with the initial dose: vitals checks, the supplemental window, minimum time. */
export function doseTasks(ctx: DosingContext): PlannedTask[] {
  if (!ctx.doseAt) return [];
  const p = ctx.params;
  const tasks: PlannedTask[] = p.vitals.timepointsMinutes.map((minutes) => ({
    kind: 'vitals-check',
    key: `vitals+${minutes}`,
    label: `Vitals check ${minutes} min after the dose`,
    dueAt: at(ctx.doseAt!, minutes * 60_000),
    payload: { minutesAfterDose: minutes, windowMinutes: p.vitals.windowMinutes },
  }));
  const window = p.dosing.supplementalWindowMinutes;
  if (window && plannedDose(p, ctx.sessionNumber).supplementalMg !== null) {
    tasks.push({
      kind: 'supplemental-window',
      key: 'supplemental-window-closes',
      label: 'Supplemental-dose window closes',
      dueAt: at(ctx.doseAt, window.to * 60_000),
    });
  }
  tasks.push({
    kind: 'minimum-monitoring',
    key: 'minimum-monitoring',
    label: 'Minimum monitoring time reached',
    dueAt: at(ctx.doseAt, minimumMonitoringMinutes(p, ctx.totalDoseMg) * 60_000),
  });
  return tasks;
}

/**
 * Timers that start when a session closes: the next visit's window (a missed one becomes a
 * deviation), MDMA's daily contacts, psilocybin's 24 h reachability and follow-up visits.
 */
export function closeTasks(
  phase: Phase,
  sessionNumber: number,
  closedAt: Date,
  ctx: { params: DosingContext['params']; doseAt?: string | null },
): PlannedTask[] {
  const c = ctx.params.course;
  const tasks: PlannedTask[] = [];
  if (phase !== 'dosing' || !ctx.doseAt) return tasks;
  if (sessionNumber < c.dosingSessions && c.dosingSpacingDays.max > 0) {
    tasks.push({
      kind: 'visit-window',
      key: `dosing-${sessionNumber + 1}-window`,
      label: `Dosing session ${sessionNumber + 1} due within ${c.dosingSpacingDays.min}–${c.dosingSpacingDays.max} days`,
      dueAt: at(ctx.doseAt, c.dosingSpacingDays.max * DAY_MS),
      payload: { phase: 'dosing', sessionNumber: sessionNumber + 1, after: closedAt.toISOString() },
    });
  }
  if (c.integrationSessionsPerDosing > 0 && c.integrationWindowDays > 0) {
    tasks.push({
      kind: 'visit-window',
      key: `integration-after-dosing-${sessionNumber}-window`,
      label: `${c.integrationSessionsPerDosing} integration session(s) within ${c.integrationWindowDays} days`,
      dueAt: at(closedAt, c.integrationWindowDays * DAY_MS),
      payload: { phase: 'integration', count: c.integrationSessionsPerDosing, after: closedAt.toISOString() },
    });
  }
  for (let day = 1; day <= c.dailyContactDays; day++) {
    tasks.push({
      kind: 'follow-up-contact',
      key: `contact-${sessionNumber}-day-${day}`,
      label: `Phone contact, day ${day} after dosing session ${sessionNumber}`,
      dueAt: at(ctx.doseAt, day * DAY_MS),
    });
  }
  if (c.reachabilityHours > 0) {
    tasks.push({
      kind: 'reachability',
      key: `reachability-${sessionNumber}`,
      label: `Monitor reachable by phone for ${c.reachabilityHours} h`,
      dueAt: at(closedAt, c.reachabilityHours * 3_600_000),
    });
  }
  if (sessionNumber >= c.dosingSessions) {
    c.followUpVisitDays.forEach((day, index) =>
      tasks.push({
        kind: 'visit-window',
        key: `follow-up-day-${day}-window`,
        label: `Follow-up visit on day ${day} (±${c.followUpVisitWindowDays} d)`,
        dueAt: at(ctx.doseAt!, (day + c.followUpVisitWindowDays) * DAY_MS),
        payload: { phase: 'follow-up', count: index + 1, after: closedAt.toISOString(), day },
      }),
    );
  }
  return tasks;
}
