// nock 15 intercepts through @mswjs/interceptors, which calls Promise.withResolvers: Node 22
// has it, Node 20 does not. Without it every mocked request fails with a 500.
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    value<T>() {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
export {};
