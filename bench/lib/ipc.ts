// The bench scripts' child processes (the server, the poller, the fake
// Resend): the parent forks a script and asks it things over IPC, each
// answer a message with a `type`; the child sends its answers with `toParent`.
import { fork, type ChildProcess } from 'node:child_process';
import type { Stoppable } from './lifetime.js';
import { ROOT } from './paths.js';

/** A forked bench script (run with tsx), with request/reply over IPC. */
export class IpcChild<Command extends object, Message extends { type: string }> implements Stoppable {
  readonly proc: ChildProcess;
  private readonly waiting = new Map<string, { resolve: (message: Message) => void; reject: (error: Error) => void }[]>();
  private failure: Error | undefined;

  /** `name` as the errors say it ("the server child failed"); `script`: an absolute path. */
  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.proc = fork(script, [], {
      cwd: ROOT,
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (message: Message) => {
      if (message.type === 'error') this.fail(new Error(`the ${name} child failed: ${(message as { message?: string }).message ?? ''}`));
      else this.waiting.get(message.type)?.shift()?.resolve(message);
    });
    this.proc.once('exit', (code, signal) => this.fail(new Error(`the ${name} child exited (code ${code}, signal ${signal})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const queue of this.waiting.values()) for (const waiter of queue.splice(0)) waiter.reject(error);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Waits for a message of type `type`, sending `command` first (if not null). */
  ask<T extends Message['type']>(command: Command | null, type: T, timeoutMs = 30_000): Promise<Extract<Message, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(() => reject(new Error(`no ${type} from the ${this.name} child within ${timeoutMs / 1000} s`)), timeoutMs);
      const queue = this.waiting.get(type) ?? [];
      queue.push({
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message as Extract<Message, { type: T }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.waiting.set(type, queue);
      if (command !== null) this.proc.send(command);
    });
  }

  /** Sends `command` without waiting for an answer (nothing once the child is gone). */
  tell(command: Command): void {
    if (this.proc.connected) this.proc.send(command);
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
  }
}

/** The child's side: a typed sender to the parent. Throws when the script was not forked by its benchmark. */
export function toParent<Message extends object>(script: string, parent: string): (message: Message) => void {
  if (!process.send) throw new Error(`${script} is started by ${parent} (it needs an IPC channel)`);
  return (message) => process.send?.(message);
}
