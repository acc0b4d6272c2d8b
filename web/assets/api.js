// How the pages talk to civic311: config.json first, then the Open311 API and the JSON API on the same origin.

let loaded;

/** config.json, written by the deploy next to the pages (and by the local stack's run of that deploy). */
export function config() {
  loaded ??= fetch("/config.json", { cache: "no-cache" }).then((answer) => {
    if (!answer.ok) throw new Error(`config.json: HTTP ${answer.status}`);
    return answer.json();
  });
  return loaded;
}

/** An API error with the server's own words (Open311's [{code, description}] or {message}). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** fetch against the API base; answers parsed JSON or throws ApiError. */
export async function call(path, options = {}) {
  const { api_base: base } = await config();
  const answer = await fetch(`${base}${path}`, options);
  const text = await answer.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!answer.ok) {
    const message = Array.isArray(body)
      ? body.map((error) => error.description).join("; ")
      : body?.message ?? `HTTP ${answer.status}`;
    throw new ApiError(answer.status, message);
  }
  return body;
}

// The page writes through the keyed door with its key in the X-API-Key header, so API Gateway meters the
// page's usage plan before any function runs (reads stay on the open /open311/v2/ door).
const KEYED = "/open311/keyed/v2";

async function keyed() {
  const { open311_api_key: key } = await config();
  return { "X-API-Key": key };
}

export const open311 = {
  services: (language) => call("/open311/v2/services.json", { headers: { "Accept-Language": language } }),
  definition: (code, language) =>
    call(`/open311/v2/services/${encodeURIComponent(code)}.json`, { headers: { "Accept-Language": language } }),
  /** One request: the public face, or with the resident's tracking secret the whole of it. */
  request: async (id, language, secret) => {
    const headers = { "Accept-Language": language, ...(secret ? { "X-Request-Token": secret } : {}) };
    return (await call(`/open311/v2/requests/${encodeURIComponent(id)}.json`, { headers }))[0];
  },
  /** The resident's own request's updates (needs the tracking secret). */
  ownUpdates: (id, secret) =>
    call(`/open311/v2/requests/${encodeURIComponent(id)}/updates.json`, { headers: { "X-Request-Token": secret } }),
  /** The resident's own request's referrals and their status (needs the tracking secret). */
  ownReferrals: (id, secret) =>
    call(`/open311/v2/requests/${encodeURIComponent(id)}/referrals.json`, { headers: { "X-Request-Token": secret } }),
  updates: (start, end) =>
    call(
      `/open311/v2/servicerequestupdates.json?start_date=${encodeURIComponent(start)}&end_date=${encodeURIComponent(end)}`,
    ),
  /** POST requests.json, form-encoded as the spec has it; fields is a list of [name, value] pairs. */
  async submit(fields, language, idempotencyKey) {
    const body = new URLSearchParams(fields);
    const headers = { ...(await keyed()), "Accept-Language": language, "Idempotency-Key": idempotencyKey };
    return (await call(`${KEYED}/requests.json`, { method: "POST", body, headers }))[0];
  },
  /** POST phone_confirmations.json: the code texted to a number turns on text updates to it. */
  async confirmPhone(phone, code) {
    const body = new URLSearchParams([["phone", phone], ["code", code]]);
    return call(`${KEYED}/phone_confirmations.json`, { method: "POST", body, headers: await keyed() });
  },
};

/** POST /v1/triage: the same screening every intake runs, so the page can say "Call 911 now" first. */
export function triage(description, language) {
  return call("/v1/triage", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ description, language }),
  });
}

/** GET /v1/requests/nearby: open, public requests of this kind within 50 m, so a resident can say "me too". */
export function nearby(code, point) {
  const query = new URLSearchParams({ service_code: code, lat: String(point.lat), long: String(point.long) });
  return call(`/v1/requests/nearby?${query}`);
}

/** POST /v1/requests/{id}/supporters: "me too", counted once per visit (or per email). */
export function meToo(id, supporter) {
  return call(`/v1/requests/${encodeURIComponent(id)}/supporters`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(supporter),
  });
}
