// The resident page: where, then what, then details, then optional contact; then the number and a track page.
import { STRINGS, t } from "./i18n.js";
import { ApiError, open311, triage } from "./api.js";
import { offerNearby } from "./nearby.js";

const $ = (id) => document.getElementById(id);
const LAST_STEP = 4;
const MAX_UPDATE_DAYS = 89;

const state = {
  language: initialLanguage(),
  step: 1,
  located: null, // {lat, long} from the device
  services: null,
  definitions: new Map(), // "code|language" -> service definition
  idempotencyKey: crypto.randomUUID(),
  tracking: null, // the request id on show, if any
  secret: null, // its tracking secret, when this is the resident's own link
  textedPhone: "", // the number given for text updates, to confirm with its code
};

function initialLanguage() {
  const saved = localStorage.getItem("language");
  if (saved && saved in STRINGS) return saved;
  return (navigator.language || "en").toLowerCase().startsWith("es") ? "es" : "en";
}

const text = (key, values) => t(state.language, key, values);

// ------------------------------------------------------------------ language

async function setLanguage(language) {
  state.language = language;
  localStorage.setItem("language", language);
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = text(element.dataset.i18n, { n: element.dataset.n });
  }
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", text(element.dataset.i18nLabel));
  }
  for (const button of document.querySelectorAll("[data-language]")) {
    button.setAttribute("aria-pressed", String(button.dataset.language === language));
  }
  if (state.located) showLocated();
  await renderServices();
  await renderAttributes();
  if (state.tracking) await showTracking(state.tracking, state.secret);
}

// ------------------------------------------------------------------ steps

function showStep(step) {
  state.step = step;
  $("report").hidden = false;
  $("thanks").hidden = true;
  $("tracking").hidden = true;
  state.tracking = null;
  for (const section of document.querySelectorAll(".step")) {
    section.hidden = Number(section.dataset.step) !== step;
  }
  document.querySelector(`.step[data-step="${step}"] h1`).focus();
}

function fail(errorId, message, field) {
  $(errorId).textContent = message;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
  return false;
}

function clearErrors(section) {
  for (const error of section.querySelectorAll(".error")) error.textContent = "";
  for (const field of section.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

/** The point typed as "lat, long", or null; undefined when the field is empty. */
function typedPoint() {
  const raw = $("point").value.trim();
  if (!raw) return undefined;
  const parts = raw.split(/[\s,;]+/).filter(Boolean).map(Number);
  const [lat, long] = parts;
  const valid = parts.length === 2 && parts.every(Number.isFinite) && Math.abs(lat) <= 90 && Math.abs(long) <= 180;
  return valid ? { lat, long } : null;
}

function checkWhere() {
  const point = typedPoint();
  if (point === null) return fail("where-error", text("pointInvalid"), $("point"));
  if (!point && !state.located && !$("address").value.trim()) {
    return fail("where-error", text("whereMissing"), $("use-location"));
  }
  return true;
}

function chosenService() {
  return document.querySelector('input[name="service_code"]:checked')?.value ?? null;
}

function checkWhat() {
  if (!chosenService()) {
    return fail("what-error", text("whatMissing"), document.querySelector('input[name="service_code"]'));
  }
  return true;
}

function checkDetails() {
  const description = $("description");
  if (!description.value.trim()) {
    $("description-error").textContent = text("descriptionMissing");
    return fail("details-error", text("descriptionMissing"), description);
  }
  for (const field of $("attributes").querySelectorAll("[data-required]")) {
    if (field.closest(".field")?.hidden) continue;
    const answered = field.matches("fieldset") ? field.querySelector("input:checked") : field.value.trim();
    if (!answered) {
      const target = field.matches("fieldset") ? field.querySelector("input") : field;
      return fail("details-error", `${field.dataset.question} ${text("answerMissing")}`, target);
    }
  }
  return checkHousehold();
}

function checkContact() {
  const given = $("email").value.trim() || $("phone").value.trim();
  if (given && !$("consent").checked) return fail("contact-error", text("consentMissing"), $("consent"));
  return true;
}

async function next() {
  const section = document.querySelector(`.step[data-step="${state.step}"]`);
  clearErrors(section);
  if (state.step === 1 && checkWhere()) showStep(2);
  else if (state.step === 2 && checkWhat()) {
    const point = typedPoint() || state.located;
    const asked = { code: chosenService(), point, language: state.language, idempotencyKey: state.idempotencyKey };
    if (await offerNearby(asked)) return;
    await renderAttributes();
    showStep(3);
  } else if (state.step === 3 && checkDetails()) await screen();
}

/** Triage the description before anything is sent: an emergency gets the full-screen "Call 911 now". */
async function screen() {
  const button = $("step-details").querySelector("[data-next]");
  button.disabled = true;
  button.textContent = text("checking");
  try {
    const found = await triage($("description").value.trim(), state.language);
    $("crisis").hidden = !found.crisis;
    if (found.emergency) {
      openCall911();
      return;
    }
  } catch {
    // The intake screens every description too, and its notice says to call 911; go on.
  } finally {
    button.disabled = false;
    button.textContent = text("next");
  }
  showStep(LAST_STEP);
}

// ------------------------------------------------------------------ categories and questions

async function renderServices() {
  const container = $("services");
  const chosen = chosenService();
  const language = state.language;
  let services;
  try {
    services = await open311.services(language);
  } catch {
    container.replaceChildren(paragraph(text("networkFailed"), "error"));
    return;
  }
  if (language !== state.language) return; // a later switch of language renders its own list
  state.services = services;
  const groups = new Map();
  for (const service of state.services) {
    if (!groups.has(service.group)) groups.set(service.group, []);
    groups.get(service.group).push(service);
  }
  const fieldsets = [];
  for (const [group, services] of groups) {
    const fieldset = element("fieldset", { className: "choices" });
    fieldset.append(element("legend", { textContent: group }));
    for (const service of services) {
      const id = `service-${service.service_code}`;
      const choice = element("div", { className: "choice" });
      const input = element("input", { type: "radio", name: "service_code", value: service.service_code, id });
      input.checked = service.service_code === chosen;
      input.setAttribute("aria-describedby", `${id}-hint`);
      const label = element("label", { htmlFor: id, textContent: service.service_name });
      choice.append(input, label, paragraph(service.description, "hint", `${id}-hint`));
      fieldset.append(choice);
    }
    fieldsets.push(fieldset);
  }
  container.replaceChildren(...fieldsets);
}

async function definition(code) {
  const key = `${code}|${state.language}`;
  if (!state.definitions.has(key)) state.definitions.set(key, await open311.definition(code, state.language));
  return state.definitions.get(key);
}

function currentAnswers() {
  const answers = new Map();
  for (const field of $("attributes").querySelectorAll("input, select, textarea")) {
    if (field.type === "checkbox") {
      if (field.checked) answers.set(`${field.name}|${field.value}`, true);
    } else answers.set(field.name, field.value);
  }
  return answers;
}

async function renderAttributes() {
  const code = chosenService();
  const container = $("attributes");
  if (!code) return container.replaceChildren();
  const answers = currentAnswers();
  const language = state.language;
  let found;
  try {
    found = await definition(code);
  } catch {
    return container.replaceChildren(paragraph(text("networkFailed"), "error"));
  }
  if (language !== state.language || code !== chosenService()) return; // a later render wins
  const fields = found.attributes.filter((attribute) => attribute.variable).map((attribute) => {
    const name = `attribute[${attribute.code}]`;
    const id = `attribute-${attribute.code}`;
    const marker = element("span", {
      className: "marker",
      textContent: ` ${text(attribute.required ? "required" : "optional")}`,
    });
    if (attribute.datatype === "multivaluelist") {
      const fieldset = element("fieldset", { className: "choices" });
      const legend = element("legend", { textContent: attribute.description });
      legend.append(marker);
      fieldset.append(legend);
      for (const value of attribute.values) {
        const box = element("input", { type: "checkbox", name: `${name}[]`, value: value.key, id: `${id}-${value.key}` });
        box.checked = answers.has(`${name}[]|${value.key}`);
        const choice = element("div", { className: "choice" });
        choice.append(box, element("label", { htmlFor: box.id, textContent: value.name }));
        fieldset.append(choice);
      }
      return required(fieldset, attribute);
    }
    const wrapper = element("div", { className: "field" });
    wrapper.dataset.code = attribute.code;
    const label = element("label", { htmlFor: id, textContent: attribute.description });
    label.append(marker);
    let input;
    if (attribute.datatype === "singlevaluelist") {
      input = element("select", { id, name });
      input.append(element("option", { value: "", textContent: text("choose") }));
      for (const value of attribute.values) input.append(element("option", { value: value.key, textContent: value.name }));
    } else if (attribute.datatype === "text") {
      input = element("textarea", { id, name, rows: 3 });
    } else {
      const types = { number: "number", datetime: "datetime-local" };
      input = element("input", { id, name, type: types[attribute.datatype] ?? "text" });
      if (attribute.datatype === "number") Object.assign(input, { inputMode: "numeric", min: "0", step: "1" });
    }
    input.value = answers.get(name) ?? "";
    wrapper.append(label, required(input, attribute));
    if (attribute.datatype_description) {
      wrapper.append(paragraph(attribute.datatype_description, "hint", `${id}-hint`));
      input.setAttribute("aria-describedby", `${id}-hint`);
    }
    return wrapper;
  });
  container.replaceChildren(...householdGrouped(fields));
  showHouseholdQuestions();
}

// ------------------------------------------------------------------ who needs the bed (shelter)

const HOUSEHOLD = ["adults", "children", "children_ages", "age"];

/** A shelter's household questions in one group: the ages only with children, the age only for one person. */
function householdGrouped(fields) {
  const asked = fields.filter((field) => HOUSEHOLD.includes(field.dataset.code));
  if (!asked.some((field) => field.dataset.code === "adults")) return fields;
  const group = element("fieldset", { className: "household", id: "household" });
  group.append(element("legend", { textContent: text("household") }), paragraph(text("householdHint"), "hint"));
  group.append(...asked);
  group.addEventListener("input", showHouseholdQuestions);
  const first = fields.indexOf(asked[0]);
  return [...fields.slice(0, first), group, ...fields.filter((field) => !asked.includes(field)).slice(first)];
}

function householdCount(code) {
  const field = $(`attribute-${code}`);
  const value = field ? Number(field.value) : NaN;
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

function showHouseholdQuestions() {
  const ages = $("attribute-children_ages");
  if (!ages) return;
  const children = householdCount("children");
  ages.closest(".field").hidden = children === 0;
  ages.required = children > 0;
  if (children > 0) Object.assign(ages.dataset, { required: "true", question: text("agesQuestion") });
  else delete ages.dataset.required;
  const marker = ages.closest(".field").querySelector(".marker");
  if (marker) marker.textContent = ` ${text(children > 0 ? "required" : "optional")}`;
  const age = $("attribute-age");
  if (age) age.closest(".field").hidden = householdCount("adults") + children !== 1;
}

/** Counts that cannot be right, said in the resident's language before anything is sent. */
function checkHousehold() {
  if (!$("household")) return true;
  const children = householdCount("children");
  if (householdCount("adults") + children === 0) {
    return fail("details-error", text("householdEmpty"), $("attribute-adults"));
  }
  const ages = $("attribute-children_ages");
  const listed = ages.value.split(/[\s,]+/).filter(Boolean);
  if (children > 0 && listed.length !== children) {
    return fail("details-error", text("agesCount", { n: String(children) }), ages);
  }
  return true;
}

function required(field, attribute) {
  if (attribute.required) {
    field.dataset.required = "true";
    field.dataset.question = attribute.description;
    if (!field.matches("fieldset")) field.required = true;
  }
  return field;
}

// ------------------------------------------------------------------ location

function showLocated() {
  const { lat, long } = state.located;
  $("location-status").textContent = text("located", { lat: lat.toFixed(5), long: long.toFixed(5) });
}

function useLocation() {
  $("location-status").textContent = text("locating");
  if (!navigator.geolocation) {
    $("location-status").textContent = text("locationDenied");
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (position) => {
      state.located = { lat: position.coords.latitude, long: position.coords.longitude };
      showLocated();
    },
    () => {
      $("location-status").textContent = text("locationDenied");
      $("address").focus();
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

// ------------------------------------------------------------------ submit

function formFields() {
  const fields = [["service_code", chosenService()], ["description", $("description").value.trim()]];
  const point = typedPoint() || state.located;
  if (point) fields.push(["lat", String(point.lat)], ["long", String(point.long)]);
  const address = $("address").value.trim();
  if (address) fields.push(["address_string", address]);
  for (const field of $("attributes").querySelectorAll("input, select, textarea")) {
    if (field.closest(".field")?.hidden) continue; // a question the household's answers made moot
    if (field.type === "checkbox" ? field.checked : field.value.trim()) fields.push([field.name, field.value.trim()]);
  }
  if ($("consent").checked) {
    for (const name of ["email", "phone"]) if ($(name).value.trim()) fields.push([name, $(name).value.trim()]);
    fields.push(["notify", "true"]);
  }
  return fields;
}

async function submit(event) {
  event.preventDefault();
  clearErrors($("step-contact"));
  if (!checkContact()) return;
  const button = $("submit");
  button.disabled = true;
  button.textContent = text("sending");
  try {
    const posted = await open311.submit(formFields(), state.language, state.idempotencyKey);
    state.textedPhone = $("consent").checked ? $("phone").value.trim() : "";
    showThanks(posted);
  } catch (error) {
    const reason = error instanceof ApiError ? error.message : text("networkFailed");
    fail("contact-error", error instanceof ApiError ? text("sendFailed", { reason }) : reason);
  } finally {
    button.disabled = false;
    button.textContent = text("submit");
  }
}

function showThanks(posted) {
  $("report").hidden = true;
  $("thanks").hidden = false;
  $("request-number").textContent = posted.service_request_id;
  $("service-notice").textContent = posted.service_notice ?? "";
  $("service-notice").hidden = !posted.service_notice;
  // The secret is in the fragment: browsers never send it to a server, and only this resident was given it.
  $("track-link").href = `#/track/${encodeURIComponent(posted.service_request_id)}/${encodeURIComponent(posted.token)}`;
  $("confirm-phone").hidden = !state.textedPhone;
  $("confirm-status").textContent = "";
  $("thanks").querySelector("h1").focus();
}

async function confirmPhone(event) {
  event.preventDefault();
  $("confirm-error").textContent = "";
  const button = $("confirm-button");
  button.disabled = true;
  try {
    await open311.confirmPhone(state.textedPhone, $("confirm-code").value.trim());
    $("confirm-status").textContent = text("confirmed");
    $("confirm-code").value = "";
  } catch (error) {
    const reason = error instanceof ApiError ? error.message : text("networkFailed");
    $("confirm-error").textContent = text("confirmFailed", { reason });
  } finally {
    button.disabled = false;
  }
}

function startOver() {
  $("report").reset();
  state.located = null;
  state.idempotencyKey = crypto.randomUUID();
  $("location-status").textContent = "";
  $("crisis").hidden = true;
  $("attributes").replaceChildren();
  showStep(1);
}

// ------------------------------------------------------------------ tracking

function when(iso) {
  if (!iso) return "";
  const format = { dateStyle: "medium", timeStyle: "short", timeZone: "America/Phoenix" };
  return new Intl.DateTimeFormat(state.language, format).format(new Date(iso));
}

async function showTracking(id, secret = null) {
  state.tracking = id;
  state.secret = secret;
  $("report").hidden = true;
  $("thanks").hidden = true;
  $("tracking").hidden = false;
  $("track-title").textContent = text("trackTitle", { id });
  const body = $("track-body");
  let request;
  try {
    request = await open311.request(id, state.language, secret);
  } catch (error) {
    const message = error instanceof ApiError && error.status === 404 ? text("trackNotFound", { id }) : text("networkFailed");
    body.replaceChildren(paragraph(message, "error"));
    $("track-title").focus();
    return;
  }
  const facts = element("dl", { className: "facts" });
  const place = request.address || (request.lat != null ? `${request.lat}, ${request.long}` : "");
  for (const [label, value, id] of [
    ["status", text("statuses")[request.status] ?? request.status, "track-status"],
    ["service", request.service_name],
    ["reported", when(request.requested_datetime)],
    ["expected", when(request.expected_datetime)],
    ["place", place],
    ["agency", request.agency_responsible],
  ]) {
    if (!value) continue;
    facts.append(element("dt", { textContent: text(label) }), element("dd", { textContent: value, id: id ?? "" }));
  }
  const parts = [facts];
  if (request.status_notes) {
    parts.push(element("h2", { textContent: text("notes") }), paragraph(request.status_notes, "notes"));
  }
  if (secret) {
    const referrals = await referralsList(request, secret);
    if (referrals) parts.push(element("h2", { textContent: text("referrals") }), referrals);
  }
  parts.push(element("h2", { textContent: text("updates") }), await updatesList(request, secret));
  body.replaceChildren(...parts);
  $("track-title").focus();
}

// Only the resident's own link reads referrals: where someone was referred says what they needed.
async function referralsList(request, secret) {
  let referrals = [];
  try {
    referrals = await open311.ownReferrals(request.service_request_id, secret);
  } catch {
    return paragraph(text("networkFailed"), "error");
  }
  if (!referrals.length) return null;
  const list = element("ul", { className: "referrals", id: "track-referrals" });
  for (const referral of referrals) {
    const status = text("referralStatuses")[referral.status] ?? referral.status;
    const words = text("referredTo", { organization: referral.organization, service: referral.service_name });
    list.append(element("li", { textContent: `${words} · ${status}` }));
  }
  return list;
}

async function updatesList(request, secret) {
  const now = new Date();
  const earliest = new Date(now.getTime() - MAX_UPDATE_DAYS * 86400000);
  const requested = new Date(request.requested_datetime);
  const start = (requested > earliest ? requested : earliest).toISOString();
  let updates = [];
  try {
    updates = secret
      ? await open311.ownUpdates(request.service_request_id, secret)
      : (await open311.updates(start, now.toISOString())).filter(
          (update) => update.service_request_id === request.service_request_id,
        );
  } catch {
    return paragraph(text("networkFailed"), "error");
  }
  if (!updates.length) return paragraph(text("noUpdates"));
  const list = element("ol", { className: "updates" });
  for (const update of updates) {
    const item = element("li");
    const status = text("updateStatuses")[update.status] ?? update.status;
    item.append(element("strong", { textContent: `${when(update.updated_datetime)} · ${status}` }));
    item.append(paragraph(update.description));
    list.append(item);
  }
  return list;
}

// ------------------------------------------------------------------ "Call 911 now"

function openCall911() {
  const dialog = $("call911");
  dialog.hidden = false;
  document.body.classList.add("locked");
  $("call911-link").focus();
}

function closeCall911(thenStep) {
  $("call911").hidden = true;
  document.body.classList.remove("locked");
  showStep(thenStep);
}

function trapFocus(event) {
  if (event.key === "Escape") return closeCall911(3);
  if (event.key !== "Tab") return;
  const focusable = [...$("call911").querySelectorAll("a, button")];
  const index = focusable.indexOf(document.activeElement);
  const step = event.shiftKey ? -1 : 1;
  event.preventDefault();
  focusable[(index + step + focusable.length) % focusable.length].focus();
}

// ------------------------------------------------------------------ helpers and start

function element(tag, properties = {}) {
  return Object.assign(document.createElement(tag), properties);
}

function paragraph(content, className = "", id = "") {
  return element("p", { textContent: content, className, id });
}

function route() {
  const match = location.hash.match(/^#\/track\/([^/]+)(?:\/([^/]+))?$/);
  const asked = new URLSearchParams(location.search).get("id");
  if (match) showTracking(decodeURIComponent(match[1]), match[2] ? decodeURIComponent(match[2]) : null);
  else if (asked && !location.hash) showTracking(asked);
  else if (!$("thanks").hidden || !$("tracking").hidden) startOver();
}

document.addEventListener("DOMContentLoaded", async () => {
  for (const button of document.querySelectorAll("[data-language]")) {
    button.addEventListener("click", () => setLanguage(button.dataset.language));
  }
  for (const button of document.querySelectorAll("[data-next]")) button.addEventListener("click", next);
  for (const button of document.querySelectorAll("[data-back]")) {
    button.addEventListener("click", () => showStep(state.step - 1));
  }
  $("use-location").addEventListener("click", useLocation);
  $("not-these").addEventListener("click", async () => {
    await renderAttributes();
    showStep(3);
  });
  $("services").addEventListener("change", () => renderAttributes());
  $("report").addEventListener("submit", submit);
  $("confirm-phone").addEventListener("submit", confirmPhone);
  $("call911").addEventListener("keydown", trapFocus);
  $("call911-back").addEventListener("click", () => closeCall911(3));
  $("call911-send").addEventListener("click", () => closeCall911(LAST_STEP));
  $("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("lookup-id").value.trim();
    if (id) location.hash = `#/track/${encodeURIComponent(id)}`;
  });
  for (const link of document.querySelectorAll('a[href="#/"]')) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      history.pushState(null, "", location.pathname);
      startOver();
    });
  }
  window.addEventListener("hashchange", route);
  await setLanguage(state.language);
  route();
});
