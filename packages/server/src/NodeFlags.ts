/**
 * The V8 heap settings the service runs with (`npm start`, `npm run start:dist`, the image's
 * entry point and the benchmark all pass them; a test keeps those in step with this list).
 *
 * Under load V8's defaults let the heap grow far beyond what is live: a 16 MB semi-space per
 * half of the young generation, and an old generation allowed to reach several times the live
 * size before a full collection (about 55 MB live, 190 MB before collecting, in the benchmark).
 * These bound the growth without bounding the heap: the young generation stays at 2 × 8 MB and
 * a full collection runs once the old generation is 60 % above what survived the last one. A
 * request that needs more memory still gets it, so nothing fails that would not fail anyway.
 * The price is CPU: more, smaller collections cost about 0.2–0.4 ms per request on the 2-core
 * benchmark machine (peak RSS under the benchmark's load ≈ 140 MB instead of 200–260 MB).
 * They can only be given on the command line (V8 reads them when the heap is set up, and Node
 * refuses `--heap-growing-percent` in NODE_OPTIONS).
 */
export const heapFlags: ReadonlyArray<string> = ["--max-semi-space-size=8", "--heap-growing-percent=60"]
