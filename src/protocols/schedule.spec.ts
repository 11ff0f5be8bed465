import { initialDosingContext } from './machines/dosing.machine';
import { findProtocol } from './registry';
import { closeTasks, doseTasks } from './schedule';

const T0 = '2026-03-02T08:00:00.000Z';
const after = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const context = (id: string, overrides: object = {}) => {
  const def = findProtocol(id)!;
  return { ...initialDosingContext({ protocolId: id, protocolVersion: def.version, params: def.defaults, sessionNumber: 1 }), ...overrides };
};

describe('protocol schedule', () => {
  it('MDMA: vitals checks at their timepoints, the supplemental window closing at +150 min, minimum monitoring at +8 h', () => {
    const tasks = doseTasks(context('mdma-ptsd', { doseAt: T0, totalDoseMg: 80 }));
    const vitals = tasks.filter((t) => t.kind === 'vitals-check');
    expect(vitals.map((t) => t.key)).toEqual([30, 60, 90, 120, 150, 180, 210, 240, 300, 360, 420, 480].map((m) => `vitals+${m}`));
    expect(vitals[0].dueAt.toISOString()).toBe(after(30));
    expect(tasks.find((t) => t.kind === 'supplemental-window')!.dueAt.toISOString()).toBe(after(150));
    expect(tasks.find((t) => t.kind === 'minimum-monitoring')!.dueAt.toISOString()).toBe(after(480));
  });

  it('nothing is scheduled before the dose; psilocybin has no supplemental window and a 5 h minimum for 25 mg', () => {
    expect(doseTasks(context('mdma-ptsd'))).toEqual([]);
    const tasks = doseTasks(context('psilocybin-trd', { doseAt: T0, totalDoseMg: 25 }));
    expect(tasks.some((t) => t.kind === 'supplemental-window')).toBe(false);
    expect(tasks.find((t) => t.kind === 'minimum-monitoring')!.dueAt.toISOString()).toBe(after(300));
  });

  it('after MDMA dosing session 1: the next session within 35 days, integration within 28 days, 7 daily contacts', () => {
    const params = findProtocol('mdma-ptsd')!.defaults;
    const tasks = closeTasks('dosing', 1, new Date(after(24 * 60)), { params, doseAt: T0 });
    expect(tasks.find((t) => t.key === 'dosing-2-window')!.dueAt.toISOString()).toBe(after(35 * 24 * 60));
    expect(tasks.find((t) => t.key === 'integration-after-dosing-1-window')!.dueAt.toISOString()).toBe(after(29 * 24 * 60));
    expect(tasks.filter((t) => t.kind === 'follow-up-contact').map((t) => t.dueAt.toISOString())).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => after(d * 24 * 60)));
    // an undosed or non-dosing session schedules nothing
    expect(closeTasks('dosing', 1, new Date(T0), { params, doseAt: null })).toEqual([]);
    expect(closeTasks('preparation', 1, new Date(T0), { params, doseAt: null })).toEqual([]);
  });

  it('psilocybin: 24 h reachability and follow-up visits on days 2, 8, 15, 29, 43 with their window', () => {
    const params = findProtocol('psilocybin-trd')!.defaults;
    const closed = new Date(after(8 * 60));
    const tasks = closeTasks('dosing', 1, closed, { params, doseAt: T0 });
    expect(tasks.find((t) => t.kind === 'reachability')!.dueAt.toISOString()).toBe(after(8 * 60 + 24 * 60));
    const visits = tasks.filter((t) => t.key.startsWith('follow-up-day-'));
    expect(visits.map((t) => t.payload?.day)).toEqual([2, 8, 15, 29, 43]);
    expect(visits[0].dueAt.toISOString()).toBe(after((2 + 2) * 24 * 60));
  });
});
