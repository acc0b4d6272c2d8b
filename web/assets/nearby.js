// "Is it one of these?": after the place and kind are chosen, open requests of that kind within 50 m, each with
// a "me too" button, so a resident follows the existing request instead of filing a duplicate.
import { t } from "./i18n.js";
import { ApiError, meToo, nearby } from "./api.js";

const $ = (id) => document.getElementById(id);
let shown = null; // {language, idempotencyKey} of the list on show

function element(tag, properties = {}) {
  return Object.assign(document.createElement(tag), properties);
}

/** Show the matches, if any, and answer true; false (nothing near, or the question failed) lets the report go on. */
export async function offerNearby({ code, point, language, idempotencyKey }) {
  if (!code || !point) return false;
  let found;
  try {
    found = await nearby(code, point);
  } catch {
    return false; // the report itself still goes through; intake links true duplicates
  }
  if (!found.length) return false;
  shown = { language, idempotencyKey };
  const text = (key, values) => t(language, key, values);
  const date = new Intl.DateTimeFormat(language, { dateStyle: "medium" });
  $("nearby-list").replaceChildren(
    ...found.map((request) => {
      const id = request.service_request_id;
      const item = element("li");
      const summary = element("p", { id: `nearby-${id}`, textContent: request.description || text("nearbyNoWords") });
      const meta = element("p", {
        className: "meta",
        textContent: text("nearbyMeta", {
          distance: request.distance_m,
          date: date.format(new Date(request.requested_datetime)),
          n: request.supporters,
        }),
      });
      const button = element("button", { type: "button", textContent: text("meToo") });
      button.setAttribute("aria-label", text("meTooFor", { id }));
      button.setAttribute("aria-describedby", `nearby-${id}`);
      button.addEventListener("click", () => support(id, button));
      item.append(summary, meta, button);
      return item;
    }),
  );
  $("nearby-error").textContent = "";
  $("nearby-status").replaceChildren();
  for (const section of document.querySelectorAll(".step")) section.hidden = section.id !== "step-nearby";
  $("step-nearby").querySelector("h1").focus();
  return true;
}

async function support(id, button) {
  const { language, idempotencyKey } = shown;
  const text = (key, values) => t(language, key, values);
  const email = $("follow-email").value.trim();
  const notify = $("follow-consent").checked;
  $("nearby-error").textContent = "";
  if (notify && !email) {
    $("nearby-error").textContent = text("followMissing");
    $("follow-email").setAttribute("aria-invalid", "true");
    $("follow-email").focus();
    return;
  }
  $("follow-email").removeAttribute("aria-invalid");
  const supporter = { idempotency_key: idempotencyKey, ...(email ? { email } : {}), notify };
  button.disabled = true;
  try {
    const answer = await meToo(id, supporter);
    const said = text(answer.counted ? "meTooThanks" : "meTooAgain", { n: answer.supporters, id });
    const track = element("a", { href: `#/track/${encodeURIComponent(id)}`, textContent: text("trackThis", { id }) });
    $("nearby-status").replaceChildren(element("span", { textContent: `${said} ` }), track);
    track.focus();
  } catch (error) {
    const reason = error instanceof ApiError ? error.message : text("networkFailed");
    $("nearby-error").textContent = text("meTooFailed", { reason });
    button.disabled = false;
  }
}
