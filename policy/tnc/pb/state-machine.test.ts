import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PB_ERROR, WireError } from '../wire-error.js';
import { BatchType, type BatchTypeValue } from './batch.js';
import { PbState, TncsStateMachine, type PbStateValue } from './state-machine.js';
import { wireErrorOf } from '../test-helpers.js';

type Side = 'client' | 'server';
const { CDATA, SDATA, RESULT, CRETRY, SRETRY, CLOSE } = BatchType;
const TYPES = Object.values(BatchType);
const STATES = Object.values(PbState);

/** Written out independently of the implementation's tables (RFC 5793 §3.2). */
const ALLOWED: [PbStateValue, Side, BatchTypeValue, PbStateValue][] = [
  ['Init', 'client', CDATA, 'ServerWorking'],
  ['Init', 'client', CLOSE, 'End'],
  ['Init', 'server', SDATA, 'ClientWorking'],
  ['Init', 'server', CLOSE, 'End'],
  ['ServerWorking', 'server', SDATA, 'ClientWorking'],
  ['ServerWorking', 'server', RESULT, 'Decided'],
  ['ServerWorking', 'server', SRETRY, 'ServerWorking'],
  ['ServerWorking', 'server', CLOSE, 'End'],
  ['ServerWorking', 'client', CRETRY, 'ServerWorking'],
  ['ServerWorking', 'client', CLOSE, 'End'],
  ['ClientWorking', 'client', CDATA, 'ServerWorking'],
  ['ClientWorking', 'client', CRETRY, 'ClientWorking'],
  ['ClientWorking', 'client', CLOSE, 'End'],
  ['ClientWorking', 'server', CLOSE, 'End'],
  ['Decided', 'client', CRETRY, 'ServerWorking'],
  ['Decided', 'client', CLOSE, 'End'],
  ['Decided', 'server', SRETRY, 'ServerWorking'],
  ['Decided', 'server', CLOSE, 'End'],
  ['End', 'client', CLOSE, 'End'],
];

/** A route into each state from Init. */
const PATH: Record<PbStateValue, [Side, BatchTypeValue][]> = {
  Init: [],
  ServerWorking: [['client', CDATA]],
  ClientWorking: [['client', CDATA], ['server', SDATA]],
  Decided: [['client', CDATA], ['server', RESULT]],
  End: [['client', CLOSE]],
};

function machineIn(state: PbStateValue): TncsStateMachine {
  const sm = new TncsStateMachine();
  for (const [side, type] of PATH[state]) (side === 'client' ? sm.onClientBatch(type) : sm.onServerBatch(type));
  expect(sm.state).toBe(state);
  return sm;
}

const allowed = (s: PbStateValue, side: Side, t: BatchTypeValue) => ALLOWED.find(([a, b, c]) => a === s && b === side && c === t)?.[3];
const FORBIDDEN = STATES.flatMap((s) => (['client', 'server'] as Side[]).flatMap((side) => TYPES.filter((t) => allowed(s, side, t) === undefined).map((t) => [s, side, t] as const)));

describe('TncsStateMachine', () => {
  it('starts in Init', () => expect(new TncsStateMachine().state).toBe('Init'));

  test.each(ALLOWED)('%s: %s batch %d -> %s', (from, side, type, to) => {
    const sm = machineIn(from);
    if (side === 'server') {
      expect(sm.canSend(type)).toBe(true);
      sm.onServerBatch(type);
    } else sm.onClientBatch(type);
    expect(sm.state).toBe(to);
  });

  test.each(FORBIDDEN)('%s: %s batch %d is refused', (from, side, type) => {
    const sm = machineIn(from);
    if (side === 'client') {
      const e = wireErrorOf(() => sm.onClientBatch(type));
      expect([e.layer, e.code]).toEqual(['pb-tnc', PB_ERROR.UNEXPECTED_BATCH_TYPE]);
    } else {
      expect(sm.canSend(type)).toBe(false);
      expect(wireErrorOf(() => sm.onServerBatch(type)).code).toBe(PB_ERROR.LOCAL_ERROR);
    }
    expect(sm.state).toBe(from); // a refused batch changes nothing
  });

  it('runs the standard strongSwan exchange', () => {
    const sm = new TncsStateMachine();
    sm.onClientBatch(CDATA); // Language-Preference + OS PB-PA
    sm.onServerBatch(SDATA); // attribute request for installed packages
    sm.onClientBatch(CDATA); // installed packages
    sm.onServerBatch(RESULT);
    sm.onClientBatch(CLOSE);
    expect(sm.state).toBe('End');
    expect(sm.canSend(CLOSE)).toBe(false);
  });

  it('supports reassessment from Decided in both directions', () => {
    const sm = machineIn('Decided');
    sm.onClientBatch(CRETRY);
    sm.onServerBatch(RESULT);
    sm.onServerBatch(SRETRY);
    expect(sm.state).toBe('ServerWorking');
    sm.onServerBatch(SDATA);
    sm.onClientBatch(CDATA);
    expect(sm.state).toBe('ServerWorking');
  });

  it('property: canSend agrees with onServerBatch and only WireErrors escape', () => {
    const event = fc.tuple(fc.constantFrom<Side>('client', 'server'), fc.constantFrom(...TYPES));
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const sm = new TncsStateMachine();
        for (const [side, type] of events) {
          const before = sm.state;
          const expected = allowed(before, side, type);
          if (side === 'server') expect(sm.canSend(type)).toBe(expected !== undefined);
          try {
            side === 'client' ? sm.onClientBatch(type) : sm.onServerBatch(type);
            expect(sm.state).toBe(expected);
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
            expect(expected).toBeUndefined();
            expect(sm.state).toBe(before);
          }
        }
      }),
    );
  });
});
