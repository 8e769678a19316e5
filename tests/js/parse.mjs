// Reads an .ics from stdin, parses it with ical.js (the parser of Thunderbird) and prints a JSON summary.
// Exits 1 with a message on stderr when the text does not parse or a DTSTART/DTEND is floating (no TZID
// defined by a VTIMEZONE of the file, and not UTC). Used by tests/unit/test_ical_feed.py.
import ICAL from "ical.js";

function fail(message) {
  process.stderr.write(`parse.mjs: ${message}\n`);
  process.exit(1);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// The instant a DTSTART/DTEND stands for, as a UTC ISO string; refuses floating times.
function instant(component, name, tzids) {
  const property = component.getFirstProperty(name);
  if (!property) fail(`${component.name} without ${name}`);
  const time = property.getFirstValue();
  const tzid = property.getParameter("tzid");
  if (tzid !== undefined && tzid !== null) {
    if (!tzids.has(tzid)) fail(`${name} has TZID=${tzid}, which no VTIMEZONE of the file defines`);
    if (!time.zone || time.zone.tzid !== tzid) fail(`${name} TZID=${tzid} was not resolved by ical.js`);
  } else if (!time.zone || time.zone.tzid !== "UTC") {
    fail(`${name} ${time.toString()} is floating (no TZID and not UTC)`);
  }
  return { utc: time.toJSDate().toISOString(), local: time.toString(), tzid: tzid ?? "UTC" };
}

const text = await readStdin();
let calendar;
try {
  calendar = new ICAL.Component(ICAL.parse(text));
} catch (error) {
  fail(`ical.js could not parse the text: ${error.message}`);
}
if (calendar.name !== "vcalendar") fail(`top component is ${calendar.name}, not vcalendar`);

const tzids = new Set(
  calendar.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid")),
);
const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const start = instant(vevent, "dtstart", tzids);
  const end = instant(vevent, "dtend", tzids);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: start.utc,
    end: end.utc,
    local_start: start.local,
    tzid: start.tzid,
    organizer: vevent.getFirstPropertyValue("organizer"),
    attendees: vevent.getAllProperties("attendee").map((p) => ({
      address: p.getFirstValue(),
      cn: p.getParameter("cn"),
      partstat: p.getParameter("partstat") ?? null,
    })),
  };
});
const freebusy = calendar.getAllSubcomponents("vfreebusy").map((fb) => ({
  uid: fb.getFirstPropertyValue("uid"),
  start: instant(fb, "dtstart", tzids).utc,
  end: instant(fb, "dtend", tzids).utc,
  busy: fb.getAllProperties("freebusy").flatMap((p) =>
    p.getValues().map((period) => [
      period.start.toJSDate().toISOString(),
      period.getEnd().toJSDate().toISOString(),
    ]),
  ),
}));

process.stdout.write(
  JSON.stringify({
    method: calendar.getFirstPropertyValue("method"),
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    timezones: [...tzids],
    event_count: events.length,
    uids: events.map((e) => e.uid),
    summaries: events.map((e) => e.summary),
    starts: events.map((e) => e.start),
    events,
    freebusy,
  }) + "\n",
);
