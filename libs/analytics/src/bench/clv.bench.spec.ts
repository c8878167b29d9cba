import { runClvBench, synthesizePopulation } from './clv.bench';

describe('CLV bench', () => {
  it('synthesises the same population from the same seed, and another from another', () => {
    const a = synthesizePopulation({ customers: 200, seed: 1 });
    expect(synthesizePopulation({ customers: 200, seed: 1 })).toEqual(a);
    expect(synthesizePopulation({ customers: 200, seed: 2 }).csv).not.toEqual(a.csv);
    expect(a.csv.split('\n')[0]).toBe('customer_id,date,amount');
  });

  it('times the whole pipeline with an injected clock and logs the fitted parameters', () => {
    let tick = 0;
    const lines: string[] = [];
    const result = runClvBench((line) => lines.push(line), {
      customers: 3000,
      now: () => (tick += 10),
    });
    expect(result.customers).toBe(3000);
    expect(result.milliseconds).toEqual({ parse: 10, summary: 10, fitAndScore: 10, total: 30 });
    expect(result.model.customers).toHaveLength(3000);
    expect(lines.join('\n')).toMatch(/BG\/NBD r=.* Gamma-Gamma p=/);
  });
});
