import { describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../../src/domain/constants.js';
import {
  impactFromStatus,
  overallStatus,
  statusRank,
  worseStatus,
  worstStatus,
} from '../../src/domain/status.js';

describe('statusRank', () => {
  it('ranks operational lowest and major outage highest', () => {
    expect(statusRank('operational')).toBe(0);
    expect(statusRank('major_outage')).toBe(4);
  });

  it('ranks maintenance above operational but below any unplanned impact', () => {
    expect(statusRank('under_maintenance')).toBe(1);
    expect(statusRank('degraded_performance')).toBe(2);
    expect(statusRank('partial_outage')).toBe(3);
  });
});

describe('worseStatus', () => {
  it('picks the second status when it is worse', () => {
    expect(worseStatus('operational', 'partial_outage')).toBe('partial_outage');
  });

  it('picks the first status when it is worse', () => {
    expect(worseStatus('major_outage', 'degraded_performance')).toBe('major_outage');
  });

  it('returns the status itself when both are the same', () => {
    expect(worseStatus('degraded_performance', 'degraded_performance')).toBe('degraded_performance');
  });

  it('treats maintenance as worse than operational', () => {
    expect(worseStatus('operational', 'under_maintenance')).toBe('under_maintenance');
    expect(worseStatus('under_maintenance', 'operational')).toBe('under_maintenance');
  });

  it('treats degraded performance as worse than maintenance', () => {
    expect(worseStatus('under_maintenance', 'degraded_performance')).toBe('degraded_performance');
    expect(worseStatus('degraded_performance', 'under_maintenance')).toBe('degraded_performance');
  });

  it('is symmetric for every pair of statuses', () => {
    const expected: Record<string, ComponentStatus> = {
      'operational|under_maintenance': 'under_maintenance',
      'operational|degraded_performance': 'degraded_performance',
      'operational|partial_outage': 'partial_outage',
      'operational|major_outage': 'major_outage',
      'under_maintenance|degraded_performance': 'degraded_performance',
      'under_maintenance|partial_outage': 'partial_outage',
      'under_maintenance|major_outage': 'major_outage',
      'degraded_performance|partial_outage': 'partial_outage',
      'degraded_performance|major_outage': 'major_outage',
      'partial_outage|major_outage': 'major_outage',
    };
    for (const [pair, worse] of Object.entries(expected)) {
      const [a, b] = pair.split('|') as [ComponentStatus, ComponentStatus];
      expect(worseStatus(a, b), `${a} vs ${b}`).toBe(worse);
      expect(worseStatus(b, a), `${b} vs ${a}`).toBe(worse);
    }
  });
});

describe('worstStatus', () => {
  it('is operational for an empty list', () => {
    expect(worstStatus([])).toBe('operational');
  });

  it('returns the only status of a one-element list', () => {
    expect(worstStatus(['partial_outage'])).toBe('partial_outage');
  });

  it('returns the worst status regardless of its position', () => {
    expect(worstStatus(['major_outage', 'operational', 'degraded_performance'])).toBe('major_outage');
    expect(worstStatus(['operational', 'partial_outage', 'degraded_performance'])).toBe('partial_outage');
    expect(worstStatus(['degraded_performance', 'operational', 'major_outage'])).toBe('major_outage');
  });

  it('reports maintenance when nothing is worse than maintenance', () => {
    expect(worstStatus(['operational', 'under_maintenance', 'operational'])).toBe('under_maintenance');
  });

  it('accepts any iterable, such as a Set or a generator', () => {
    expect(worstStatus(new Set<ComponentStatus>(['operational', 'degraded_performance']))).toBe(
      'degraded_performance',
    );
    function* statuses(): Generator<ComponentStatus> {
      yield 'under_maintenance';
      yield 'partial_outage';
    }
    expect(worstStatus(statuses())).toBe('partial_outage');
  });
});

describe('overallStatus', () => {
  it('says all systems operational when there are no components', () => {
    expect(overallStatus([])).toEqual({
      status: 'operational',
      indicator: 'none',
      description: 'All systems operational',
    });
  });

  it('says all systems operational when every component is operational', () => {
    expect(overallStatus(['operational', 'operational'])).toEqual({
      status: 'operational',
      indicator: 'none',
      description: 'All systems operational',
    });
  });

  it('shows a maintenance banner when the worst component is under maintenance', () => {
    expect(overallStatus(['operational', 'under_maintenance'])).toEqual({
      status: 'under_maintenance',
      indicator: 'maintenance',
      description: 'Service under maintenance',
    });
  });

  it('maps degraded performance to the minor indicator', () => {
    expect(overallStatus(['under_maintenance', 'degraded_performance', 'operational'])).toEqual({
      status: 'degraded_performance',
      indicator: 'minor',
      description: 'Degraded performance',
    });
  });

  it('maps a partial outage to the major indicator', () => {
    expect(overallStatus(['degraded_performance', 'partial_outage'])).toEqual({
      status: 'partial_outage',
      indicator: 'major',
      description: 'Partial system outage',
    });
  });

  it('maps a major outage to the critical indicator, whatever else is going on', () => {
    expect(overallStatus(['partial_outage', 'major_outage', 'under_maintenance'])).toEqual({
      status: 'major_outage',
      indicator: 'critical',
      description: 'Major system outage',
    });
  });
});

describe('impactFromStatus', () => {
  it('implies critical impact for a major outage', () => {
    expect(impactFromStatus('major_outage')).toBe('critical');
  });

  it('implies major impact for a partial outage', () => {
    expect(impactFromStatus('partial_outage')).toBe('major');
  });

  it('implies minor impact for degraded performance', () => {
    expect(impactFromStatus('degraded_performance')).toBe('minor');
  });

  it('implies maintenance impact for maintenance', () => {
    expect(impactFromStatus('under_maintenance')).toBe('maintenance');
  });

  it('implies no impact when the component stayed operational', () => {
    expect(impactFromStatus('operational')).toBe('none');
  });
});
