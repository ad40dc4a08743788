/** Prints a scenario's measured figures as one JSON line, so a CI log shows them whatever the outcome. */
export function printFigures(scenario: string, figures: Record<string, unknown>): void {
  console.log(`[fault figures] ${scenario} ${JSON.stringify(figures)}`);
}

/** Milliseconds since `start`, rounded to 10 ms. */
export function since(start: number): number {
  return Math.round((Date.now() - start) / 10) * 10;
}
