/** What a person at an interactive application perceives: how long each request took. */
export interface ResponseTap {
  /** Calls `fn` as each request of `app` completes, with its response time in seconds. */
  observe(app: string, fn: (response: number) => void): void;
}
