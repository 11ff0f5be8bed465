import { assign, setup } from 'xstate';
import { abortGate, Gate, noGate, outstanding, raiseHoldGate, resolveHoldGate, visitCloseGate } from '../gates';
import { ProtocolParameters } from '../parameters';
import { Phase, SessionEvent } from '../types';

export interface VisitContext {
  protocolId: string;
  protocolVersion: string;
  params: ProtocolParameters;
  phase: Exclude<Phase, 'dosing'>;
  sessionNumber: number;
  holdReason: string | null;
  exit: string | null;
}

export interface VisitInput {
  protocolId: string;
  protocolVersion: string;
  params: ProtocolParameters;
  phase: Exclude<Phase, 'dosing'>;
  sessionNumber: number;
}

// Visit gates take the visit context; the dosing gates they reuse look only at the event.
const asVisitGate = (gate: Gate) => gate as unknown as (ctx: VisitContext, event: SessionEvent) => ReturnType<Gate>;

export const VISIT_GATES: Record<string, (ctx: VisitContext, event: SessionEvent) => ReturnType<Gate>> = {
  START: asVisitGate(noGate),
  RAISE_HOLD: asVisitGate(raiseHoldGate),
  RESOLVE_HOLD: asVisitGate(resolveHoldGate),
  ABORT: asVisitGate(abortGate),
  CLOSE: asVisitGate(visitCloseGate),
};

/**
 * A non-drug visit (preparation, integration, follow-up): scheduled -> in progress -> closed,
 * with a hold for a safety concern and the same early exits as a dosing day.
 */
export function createVisitMachine(id: string) {
  return setup({
    types: { context: {} as VisitContext, events: {} as SessionEvent, input: {} as VisitInput },
    guards: {
      gate: ({ context, event }, params: { event: string }) =>
        outstanding(VISIT_GATES[params.event] as unknown as Gate, context as never, event).length === 0,
    },
    actions: {
      recordHold: assign({ holdReason: ({ event }) => event.reason ?? null }),
      clearHold: assign({ holdReason: null }),
      recordExit: assign({ exit: ({ event }) => String(event.data?.exit ?? 'other') }),
    },
  }).createMachine({
    id,
    context: ({ input }) => ({ ...input, holdReason: null, exit: null }),
    initial: 'scheduled',
    states: {
      scheduled: {
        on: {
          START: { target: 'inProgress', guard: { type: 'gate', params: { event: 'START' } } },
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
      },
      inProgress: {
        initial: 'active',
        states: {
          active: {
            on: { RAISE_HOLD: { target: 'hold', guard: { type: 'gate', params: { event: 'RAISE_HOLD' } }, actions: 'recordHold' } },
          },
          hold: {
            on: { RESOLVE_HOLD: { target: 'active', guard: { type: 'gate', params: { event: 'RESOLVE_HOLD' } }, actions: 'clearHold' } },
          },
        },
        on: {
          CLOSE: { target: 'closed', guard: { type: 'gate', params: { event: 'CLOSE' } } },
          ABORT: { target: 'exited', guard: { type: 'gate', params: { event: 'ABORT' } }, actions: 'recordExit' },
        },
      },
      exited: { on: { CLOSE: { target: 'closed', guard: { type: 'gate', params: { event: 'CLOSE' } } } } },
      closed: { type: 'final' },
    },
  });
}
