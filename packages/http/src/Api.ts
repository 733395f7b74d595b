/** The `/v1` API: the `people` group and the error envelopes every endpoint may answer with. */
import { HttpApi, OpenApi } from "@effect/platform"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as OpenApiSpec from "./OpenApiSpec.js"
import * as PeopleApi from "./PeopleApi.js"

export const Api = HttpApi.make("peoplekit")
  .add(PeopleApi.group)
  .prefix("/v1")
  .addError(ErrorEnvelope.BadRequest)
  .addError(ErrorEnvelope.Unauthorized)
  .addError(ErrorEnvelope.Forbidden)
  .addError(ErrorEnvelope.NotFound)
  .addError(ErrorEnvelope.MethodNotAllowed)
  .addError(ErrorEnvelope.PreconditionFailed)
  .addError(ErrorEnvelope.PayloadTooLarge)
  .addError(ErrorEnvelope.UnsupportedMediaType)
  .addError(ErrorEnvelope.InternalError)
  .addError(ErrorEnvelope.ServiceUnavailable)
  // The framework's HttpApiDecodeError never reaches the wire (the envelope answers instead).
  .annotate(OpenApi.Transform, OpenApiSpec.clean)
