// Mirrors the server's $/progress (work done progress) into a VS Code progress
// notification. VS Code's Progress.report takes an *increment* and only moves
// forward, while the server sends absolute percentages: this converts one to the
// other and keeps the last message for the status bar.

export interface ProgressBegin {
  kind: 'begin';
  title: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}
export interface ProgressReport {
  kind: 'report';
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}
export interface ProgressEnd {
  kind: 'end';
  message?: string;
}
export type ProgressValue = ProgressBegin | ProgressReport | ProgressEnd;

export interface ProgressStep {
  message?: string;
  increment?: number;
}

export type ProgressSink = (step: ProgressStep) => void;

export class ProgressMirror {
  private done = 0; // percentage already shown, 0..100
  private title = '';
  private lastMessage = '';
  private ended = false;

  constructor(private readonly sink: ProgressSink) {}

  // The text to show elsewhere (status bar): the latest message, else the title.
  get message(): string {
    return this.lastMessage || this.title;
  }

  get finished(): boolean {
    return this.ended;
  }

  // Accepts anything the wire delivered; values that are not work done progress
  // are ignored rather than thrown on, since they come from another process.
  handle(value: unknown): void {
    if (this.ended || typeof value !== 'object' || value === null) return;
    const v = value as { kind?: unknown; title?: unknown; message?: unknown; percentage?: unknown };
    const step: ProgressStep = {};
    switch (v.kind) {
      case 'begin':
        this.title = typeof v.title === 'string' ? v.title : '';
        step.message = joinMessage(this.title, v.message);
        break;
      case 'report':
        if (typeof v.message === 'string' && v.message !== '') step.message = v.message;
        break;
      case 'end':
        this.ended = true;
        if (typeof v.message === 'string' && v.message !== '') step.message = v.message;
        // A run that ends early still fills the bar: the notification is about to close.
        if (this.done < 100) {
          step.increment = 100 - this.done;
          this.done = 100;
        }
        break;
      default:
        return;
    }
    if (v.kind !== 'end') {
      const inc = this.advance(v.percentage);
      if (inc > 0) step.increment = inc;
    }
    if (step.message !== undefined) this.lastMessage = step.message;
    if (step.message !== undefined || step.increment !== undefined) this.sink(step);
  }

  private advance(percentage: unknown): number {
    if (typeof percentage !== 'number' || !Number.isFinite(percentage)) return 0;
    const p = Math.min(100, Math.max(0, percentage));
    if (p <= this.done) return 0; // VS Code cannot move a notification's bar back
    const inc = p - this.done;
    this.done = p;
    return inc;
  }
}

function joinMessage(title: string, message: unknown): string {
  if (typeof message === 'string' && message !== '') return title ? `${title}: ${message}` : message;
  return title;
}
