/** The `/v1` API: the `people` group and the error envelopes every endpoint may answer with. */
import { HttpApi, OpenApi } from "@effect/platform"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as OpenApiSpec from "./OpenApiSpec.js"
import * as PeopleApi from "./PeopleApi.js"

export const Api = ErrorEnvelope.addAll(HttpApi.make("peoplekit").add(PeopleApi.group).prefix("/v1"))
  // The framework's HttpApiDecodeError never reaches the wire (the envelope answers instead).
  .annotate(OpenApi.Transform, OpenApiSpec.clean)
