/**
 * Fault injection around core's ports, for testing what a failure at any step does (atomicity:
 * nothing persisted, the caller sees a defect, the next call works). `Faults.layer` wraps the
 * ports already in context — typically `InMemory.layer(...)` — and adds the `Faults` control:
 *
 * ```ts
 * const ports = Faults.layer.pipe(Layer.provideMerge(InMemory.layer(fixtures)))
 * const faults = yield* Faults.Faults
 * yield* faults.arm({ step: "save", when: "after" })   // the next save writes, then fails
 * ```
 *
 * Steps are the ports' methods (`load`, `save`, `related`, `findBySecret`, …) and `commit`, the
 * end of a unit of work: a fault there fails the unit after its body ran, so the transactor must
 * roll everything back. A fault fires once (or `times` times) and is then disarmed.
 */
import { Context, Data, Effect, Layer, Ref } from "effect"
import { ApiKeyRepository } from "../ApiKeyRepository.js"
import { StoreUnavailable } from "../Errors.js"
import { PersonRepository } from "../PersonRepository.js"
import { Transactor } from "../Transactor.js"

/** A port method name, or `commit` (the end of a unit of work). */
export type Step = string

/** Which step fails, before or after it runs, how (a defect or `StoreUnavailable`) and how often. */
export interface Plan {
  readonly step: Step
  /** Before the step runs (default) or after it succeeded (its effect already applied). */
  readonly when?: "before" | "after"
  /** `defect` (default): an unexpected failure; `unavailable`: core's `StoreUnavailable`. */
  readonly kind?: "defect" | "unavailable"
  /** How many times it fires before disarming itself (default 1). */
  readonly times?: number
}

/** The defect injected for `kind: "defect"`. */
export class InjectedFault extends Data.TaggedError("InjectedFault")<{
  readonly step: Step
  readonly when: "before" | "after"
}> {}

/** Arms and disarms faults in a test. */
export interface Control {
  /** Arms a fault (replacing any armed one). */
  readonly arm: (plan: Plan) => Effect.Effect<void>
  readonly disarm: Effect.Effect<void>
  /** The faults that fired so far, oldest first. */
  readonly fired: Effect.Effect<ReadonlyArray<Required<Plan>>>
  /** Every step that ran through the wrapped ports, in order (`load`, `save`, `commit`, …). */
  readonly steps: Effect.Effect<ReadonlyArray<Step>>
}

/** The fault switchboard a test uses (`Faults.layer` provides it with the wrapped ports). */
export class Faults extends Context.Tag("@peoplekit/core/testing/Faults")<Faults, Control>() {}

interface State {
  readonly armed: Required<Plan> | undefined
  readonly fired: ReadonlyArray<Required<Plan>>
  readonly steps: ReadonlyArray<Step>
}

/** A fresh control and the gate the wrapped ports pass through at every step. */
export const make = Effect.gen(function*() {
  const state = yield* Ref.make<State>({ armed: undefined, fired: [], steps: [] })
  const control: Control = {
    arm: (plan) =>
      Ref.update(state, (s) => ({
        ...s,
        armed: { step: plan.step, when: plan.when ?? "before", kind: plan.kind ?? "defect", times: plan.times ?? 1 }
      })),
    disarm: Ref.update(state, (s) => ({ ...s, armed: undefined })),
    fired: Effect.map(Ref.get(state), (s) => s.fired),
    steps: Effect.map(Ref.get(state), (s) => s.steps)
  }
  const gate = (step: Step, when: "before" | "after"): Effect.Effect<void> =>
    Effect.flatMap(
      Ref.modify(state, (s): [Required<Plan> | undefined, State] => {
        const steps = when === "before" ? [...s.steps, step] : s.steps
        const armed = s.armed
        if (armed === undefined || armed.step !== step || armed.when !== when) return [undefined, { ...s, steps }]
        const left = armed.times - 1
        return [armed, { armed: left > 0 ? { ...armed, times: left } : undefined, fired: [...s.fired, armed], steps }]
      }),
      (fault) =>
        fault === undefined
          ? Effect.void
          : Effect.die(
            fault.kind === "unavailable"
              ? new StoreUnavailable({ message: `injected: ${step} ${when}` })
              : new InjectedFault({ step, when })
          )
    )
  return { control, gate }
})

type Gate = Effect.Effect.Success<typeof make>["gate"]

/** Every method of `service` (functions returning effects) passes through the gate. */
export const wrapService = <S extends object>(service: S, gate: Gate): S => {
  const wrapped: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(service)) {
    wrapped[name] = typeof value !== "function"
      ? value
      : (...args: ReadonlyArray<unknown>) =>
        Effect.zipRight(
          gate(name, "before"),
          Effect.tap((value as (...a: ReadonlyArray<unknown>) => Effect.Effect<unknown>)(...args), () => gate(name, "after"))
        )
  }
  return wrapped as S
}

/** The transactor with a `commit` step at the end of each outermost unit of work's body. */
export const wrapTransactor = (transactor: Context.Tag.Service<Transactor>, gate: Gate): Context.Tag.Service<Transactor> =>
  Transactor.of({
    withTransaction: (self) =>
      Effect.zipRight(
        gate("transaction", "before"),
        transactor.withTransaction(Effect.tap(self, () => gate("commit", "before")))
      )
  })

/**
 * Wraps the `PersonRepository`, `ApiKeyRepository` and `Transactor` in context and adds the
 * `Faults` control; other services pass through unchanged.
 */
export const layer: Layer.Layer<
  Faults | PersonRepository | ApiKeyRepository | Transactor,
  never,
  PersonRepository | ApiKeyRepository | Transactor
> = Layer.effectContext(
  Effect.gen(function*() {
    const { control, gate } = yield* make
    const people = yield* PersonRepository
    const keys = yield* ApiKeyRepository
    const transactor = yield* Transactor
    return Context.make(Faults, control).pipe(
      Context.add(PersonRepository, wrapService(people, gate)),
      Context.add(ApiKeyRepository, wrapService(keys, gate)),
      Context.add(Transactor, wrapTransactor(transactor, gate))
    )
  })
)
