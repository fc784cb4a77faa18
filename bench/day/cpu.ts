/**
 * CPU time per component of the benchmark's process tree (Linux /proc): this process (the
 * simulator, the client and the approver), the worker processes, PostgreSQL (the postmaster and
 * its backends, when embedded) and the Temporal dev server. Sampled every second, so the CPU
 * spent in any phase can be read off afterwards; plus the machine's total busy time.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

const TICK = 100; // USER_HZ on Linux

interface ProcRow {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in seconds. */
  cpu: number;
}

function readProc(pid: number): ProcRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat
      .slice(close + 2)
      .split(' ')
      .map((x) => Number(x));
    // after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const cpu = ((f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0)) / TICK;
    return { pid, ppid: f[1] ?? 0, comm, cpu };
  } catch {
    return undefined;
  }
}

function machineBusy(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((x) => Number(x));
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / TICK, total: total / TICK };
}

export type Component = 'bench' | 'worker' | 'noopWorker' | 'postgres' | 'temporal' | 'other';

export interface CpuSample {
  at: number;
  byComponent: Record<Component, number>;
  machineBusy: number;
}

export class CpuSampler {
  readonly samples: CpuSample[] = [];
  private timer?: NodeJS.Timeout;
  /** Worker pids by role; set when the workers start. */
  readonly roles = new Map<number, Component>();

  start(intervalMs = 1000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  sample(): void {
    if (process.platform !== 'linux') return;
    const rows: ProcRow[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const r = readProc(Number(name));
      if (r) rows.push(r);
    }
    const children = new Map<number, ProcRow[]>();
    for (const r of rows) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r]);
    const by: Record<Component, number> = {
      bench: 0,
      worker: 0,
      noopWorker: 0,
      postgres: 0,
      temporal: 0,
      other: 0,
    };
    const walk = (pid: number, inherited: Component | undefined) => {
      for (const c of children.get(pid) ?? []) {
        const role =
          this.roles.get(c.pid) ??
          inherited ??
          (c.comm.startsWith('postgres')
            ? 'postgres'
            : c.comm.startsWith('temporal')
              ? 'temporal'
              : undefined);
        // A component's children (PostgreSQL backends) count for it; exited ones are in cutime.
        by[role ?? 'other'] += c.cpu;
        walk(c.pid, role);
      }
    };
    const self = readProc(process.pid);
    by.bench = self?.cpu ?? 0;
    walk(process.pid, undefined);
    this.samples.push({ at: Date.now(), byComponent: by, machineBusy: machineBusy().busy });
  }

  /** CPU seconds per component between two instants (nearest samples), and the machine's busy share. */
  between(
    from: number,
    to: number,
  ): { seconds: Record<string, number>; machineBusyPct: number; othersOnMachineS: number } {
    const near = (t: number) =>
      this.samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best));
    if (this.samples.length === 0) return { seconds: {}, machineBusyPct: 0, othersOnMachineS: 0 };
    const a = near(from);
    const b = near(to);
    const seconds: Record<string, number> = {};
    let ours = 0;
    for (const k of Object.keys(b.byComponent) as Component[]) {
      const d = b.byComponent[k] - a.byComponent[k];
      ours += Math.max(0, d);
      // A process that exits takes its CPU with it unless reaped into a parent: clamp at 0.
      if (Math.abs(d) >= 0.05) seconds[k] = Math.round(Math.max(0, d) * 10) / 10;
    }
    const wall = (b.at - a.at) / 1000;
    const cores = Math.max(1, os.cpus().length);
    const machineBusyPct =
      wall > 0 ? Math.round(((b.machineBusy - a.machineBusy) / (wall * cores)) * 100) : 0;
    // Busy CPU on the machine that is not ours (other people's tests and builds on a shared box).
    const othersOnMachineS = Math.round(Math.max(0, b.machineBusy - a.machineBusy - ours) * 10) / 10;
    return { seconds, machineBusyPct, othersOnMachineS };
  }
}
