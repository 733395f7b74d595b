// The part of autocannon's API the benchmark uses (the package ships no types).
declare module "autocannon" {
  interface Histogram {
    readonly average: number
    readonly mean: number
    readonly p50: number
    readonly p90: number
    readonly p99: number
    readonly max: number
    readonly total: number
  }
  interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  interface Options {
    readonly url: string
    readonly connections?: number
    readonly duration?: number
    readonly timeout?: number
    readonly headers?: Record<string, string>
    readonly requests?: ReadonlyArray<Request & { setupRequest?: (request: Request, context: unknown) => Request }>
  }
  interface Result {
    readonly latency: Histogram
    readonly requests: Histogram
    readonly duration: number
    readonly errors: number
    readonly timeouts: number
    readonly non2xx: number
    readonly "2xx": number
    readonly statusCodeStats: Record<string, { readonly count: number }>
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
