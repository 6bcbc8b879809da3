// Waiting, for the scripts that poll or pace themselves.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
