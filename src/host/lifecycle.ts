// Disposable ownership: a base class whose _register() ties children to the owner's lifetime.
export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return { dispose: () => { if (!done) { done = true; fn(); } } };
}

/**
 * Owns disposables and disposes them in reverse registration order, once. Disposing one child
 * never prevents the others from being disposed; failures are collected and rethrown together.
 */
export abstract class Disposable implements IDisposable {
  private readonly _toDispose: IDisposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) {
      // Registering after dispose would leak; dispose immediately instead.
      value.dispose();
    } else {
      this._toDispose.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    const errors: unknown[] = [];
    for (const d of this._toDispose.splice(0).reverse()) {
      try { d.dispose(); } catch (e) { errors.push(e); }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
  }
}

