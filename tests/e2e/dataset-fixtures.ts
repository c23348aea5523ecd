import fs from 'node:fs';
import path from 'node:path';

/**
 * Realistic-looking training data for the dataset e2e tests: chat examples from the field manual of a fictional
 * utility (Cedar Valley Power & Light), and a crew FAQ exported as CSV with one broken row.
 */

const SYSTEM =
  'You are the grid maintenance assistant of Cedar Valley Power & Light (CVPL). Answer from the CVPL Field Maintenance Manual, ' +
  'cite the section, and put crew safety first.';

interface Asset {
  name: string;
  section: string;
  interval: string;
  signs: string;
  ppe: string;
  isolate: string;
  record: string;
}

const ASSETS: Asset[] = [
  {
    name: 'pole-mounted distribution transformer',
    section: '4.2',
    interval: 'a visual patrol every 12 months and an infrared scan every 3 years',
    signs: 'oil weeping at the bushings, a bulging tank lid, or a hot-spot more than 15 °C above ambient',
    ppe: 'Class 2 rubber gloves with leather protectors, arc-rated clothing rated 8 cal/cm², and a hard hat with face shield',
    isolate: 'open the primary cutout with a load-break tool, verify zero voltage on the secondary, and ground both sides',
    record: 'the tank serial, the kVA rating and the oil level in Maximo work order type TX-INSP',
  },
  {
    name: 'line recloser',
    section: '5.1',
    interval: 'an operation-counter reading every 6 months and a full trip test every 4 years',
    signs: 'a counter that jumps by more than 40 operations between readings, low SF6 pressure, or a failed battery self-test',
    ppe: 'Class 2 gloves, arc-rated clothing rated 12 cal/cm² and safety glasses',
    isolate: 'put the recloser in non-reclose from SCADA, close the bypass switches, then open the source and load disconnects',
    record: 'the counter value, battery voltage and the control firmware version',
  },
  {
    name: 'underground primary cable',
    section: '6.3',
    interval: 'a VLF tan-delta test every 5 years on XLPE older than 20 years',
    signs: 'a tan-delta above 10 × 10⁻³ at 1.5 U₀, partial-discharge inception below operating voltage, or repeated faults on one segment',
    ppe: 'Class 3 gloves, arc-rated clothing rated 25 cal/cm² at the terminations, and a gas monitor in vaults',
    isolate: 'open and tag both elbow terminations, test for absence of voltage with a hot stick tester, and install parking-stand grounds',
    record: 'the test curve, the splice locations and the cable vintage in the GIS cable attribute table',
  },
  {
    name: 'substation battery bank',
    section: '8.4',
    interval: 'a monthly float-voltage check and an annual impedance test of every cell',
    signs: 'a cell more than 0.05 V below the string average, impedance 30 % above baseline, or a swollen jar',
    ppe: 'a face shield, acid-resistant apron and gloves, with the eyewash station checked before work',
    isolate: 'transfer the DC load to the portable charger, open the battery breaker and remove the fuses in order',
    record: 'each cell voltage, specific gravity for flooded cells, and the ambient temperature',
  },
  {
    name: 'capacitor bank',
    section: '5.6',
    interval: 'a quarterly visual check and an annual capacitance measurement of every unit',
    signs: 'a blown expulsion fuse, a bulged can, or capacitance drifting more than 5 % from nameplate',
    ppe: 'Class 2 gloves and arc-rated clothing rated 8 cal/cm²',
    isolate: 'open the bank switch, wait five minutes for the discharge resistors, then short and ground every unit',
    record: 'the measured µF per unit and any replaced fuse links',
  },
  {
    name: 'vegetation clearance on a three-phase feeder',
    section: '9.1',
    interval: 'a full cycle trim every 4 years and a hot-spot patrol every spring',
    signs: 'limbs within 3 m of the primary conductors, fresh burn marks on branches, or momentary outages that cluster in windy weather',
    ppe: 'chainsaw chaps, a helmet with mesh visor, hearing protection, and a line-clearance certified trimmer within the minimum approach distance',
    isolate: 'request a hot-line tag on the feeder so reclosing is blocked while crews work near the line',
    record: 'the span IDs trimmed, the species, and any danger trees left for a follow-up crew',
  },
  {
    name: 'padmount switchgear',
    section: '6.7',
    interval: 'a thermographic scan every 2 years and an interior inspection every 6 years',
    signs: 'tracking on the barriers, water in the cabinet, or a hot-spot at a bolted connection',
    ppe: 'Class 3 gloves and arc-rated clothing rated 40 cal/cm² when the doors are open',
    isolate: 'open the source-side switch from the remote operator, verify with the voltage indicators on every way, and apply grounds',
    record: 'the infrared images, the cabinet condition and the gasket state',
  },
  {
    name: 'wood distribution pole',
    section: '3.2',
    interval: 'a sound-and-bore inspection every 10 years, every 8 years in the river-valley decay zone',
    signs: 'a hollow sound above the groundline, shell thickness under 5 cm, or woodpecker cavities deeper than 8 cm',
    ppe: 'a hard hat, cut-resistant gloves, and a pole stability check before anyone climbs',
    isolate:
      'no isolation is needed to test, but a pole rated reject must not be climbed until it is braced or the crew uses a bucket truck',
    record: 'the remaining strength percentage and whether the pole was treated, braced or scheduled for replacement',
  },
  {
    name: 'surge arrester',
    section: '4.6',
    interval: 'a visual check on every transformer patrol and a leakage-current reading on transmission arresters each year',
    signs: 'a disconnected ground lead indicator, cracked housing, or leakage current twice the baseline',
    ppe: 'Class 2 gloves and safety glasses',
    isolate: 'de-energise the tap or use a hot stick to remove the arrester lead before touching the housing',
    record: 'the arrester type, the disconnector state and the replacement date',
  },
  {
    name: 'overhead sectionalizer',
    section: '5.3',
    interval: 'a counts check every 6 months and a functional test with the recloser every 4 years',
    signs: 'a count setting that does not match the upstream recloser, or a sectionalizer that opened without a recorded fault',
    ppe: 'Class 2 gloves and arc-rated clothing rated 8 cal/cm²',
    isolate: 'block reclosing upstream, then open the sectionalizer with a load-break tool',
    record: 'the count setting, the coordination study reference and the test result',
  },
  {
    name: 'substation power transformer',
    section: '8.1',
    interval: 'a quarterly dissolved-gas analysis and an annual Doble power-factor test',
    signs: 'acetylene above 2 ppm, a rising hydrogen trend, or power factor above 0.5 %',
    ppe: 'arc-rated clothing rated 40 cal/cm² near energised bushings and fall protection on the tank',
    isolate: 'take a clearance from the system operator, open and rack out both breakers, and ground all windings',
    record: 'the DGA results in the asset-health index and the tap-changer operation count',
  },
  {
    name: 'streetlight circuit',
    section: '10.2',
    interval: 'a night patrol every 3 months',
    signs: 'a dayburner, a cycling lamp, or a photocell facing north',
    ppe: 'gloves rated for 600 V and a high-visibility vest for traffic',
    isolate: 'open the series-circuit cutout or remove the fuse at the base',
    record: 'the pole tag, the fixture type and the LED driver model',
  },
  {
    name: 'fault indicator',
    section: '5.8',
    interval: 'a battery check every 5 years and after every reported fault',
    signs: 'a flag that stays tripped after the reset time, or a dead battery LED',
    ppe: 'Class 2 gloves when installing on energised lines with a hot stick',
    isolate: 'none needed when installed with a hot stick; otherwise follow the feeder clearance',
    record: 'the location, the trip reason and the reset time',
  },
  {
    name: 'network protector',
    section: '7.2',
    interval: 'an annual operational test and a relay calibration every 4 years',
    signs: 'a protector that fails to open on reverse power, or one that pumps open and closed',
    ppe: 'arc-rated clothing rated 40 cal/cm² and a gas monitor in the vault',
    isolate: 'open the network protector, rack it out, and verify voltage on the transformer and the network side',
    record: 'the relay settings, the operation counter and the vault condition',
  },
  {
    name: 'grounding system at a substation',
    section: '8.7',
    interval: 'a fall-of-potential test every 6 years and a visual check of every connection yearly',
    signs: 'resistance above 1 ohm, corroded clamps, or stolen copper',
    ppe: 'insulated gloves and boots during tests near energised equipment',
    isolate: 'no isolation for the test, but never disconnect a ground lead from energised equipment',
    record: 'the measured resistance, the soil condition and any repairs',
  },
];

type Template = (a: Asset) => [string, string] | [string, string, string, string];

const TEMPLATES: Template[] = [
  (a) => [
    `How often should we inspect a ${a.name}?`,
    `Per CVPL manual §${a.section}: ${a.interval}. Shorten the interval after a storm or if the last inspection found defects.`,
  ],
  (a) => [
    `What are the warning signs that a ${a.name} is failing?`,
    `Look for ${a.signs}. Any one of these makes it a priority-2 work order under §${a.section}; two together make it priority 1.`,
  ],
  (a) => [
    `What PPE is required to work on a ${a.name}?`,
    `${cap(a.ppe)}. The arc-flash label on site overrides this if it asks for more (§${a.section}).`,
  ],
  (a) => [
    `Walk me through isolating a ${a.name} before maintenance.`,
    `Under §${a.section}: ${a.isolate}. Only then apply your personal lock and tag, and test before touch.`,
  ],
  (a) => [
    `What do I need to record after servicing a ${a.name}?`,
    `Record ${a.record}. Close the work order the same day so the asset-health model sees it (§${a.section}).`,
  ],
  (a) => [
    `A crew found ${a.signs.split(', ')[0]} on a ${a.name}. What now?`,
    `Treat it as a defect under §${a.section}: make the site safe, raise a priority-2 work order, and photograph it. If it is near a school, hospital or road crossing, escalate to priority 1.`,
  ],
  (a) => [
    `Is a ${a.name} inspection due if the last one was 14 months ago?`,
    `The schedule is ${a.interval}, so check which part lapsed. If the visual patrol is overdue, book it this week.`,
    'And if the crew is fully booked?',
    'Ask the district supervisor for a risk-based deferral of up to 60 days; the deferral and its reason must be logged in Maximo.',
  ],
  (a) => [
    `Summarise the maintenance rules for a ${a.name} in three bullet points.`,
    `• Inspect: ${a.interval}.\n• Act on: ${a.signs}.\n• Record: ${a.record}.`,
  ],
  (a) => [
    `Who may isolate a ${a.name}?`,
    `Only a qualified electrical worker holding a CVPL switching authorisation for that voltage class. Apprentices may assist but not operate (§${a.section}).`,
  ],
  (a) => [
    `Can we work on a ${a.name} in the rain?`,
    `Not energised. Wet conditions lower the dielectric strength of gloves and hot sticks; §${a.section} allows de-energised work only, with grounds in place.`,
  ],
  (a) => [
    `What changed in the 2026 revision of §${a.section} (${a.name})?`,
    `The interval is now ${a.interval}, and the record must include ${a.record}. The PPE table was aligned with the 2024 arc-flash study.`,
  ],
  (a) => [
    `Explain to a new apprentice why the ${a.name} matters.`,
    `Because a failure there takes customers off supply and can injure crews. That is why we inspect it on a fixed schedule (${a.interval}) and watch for ${a.signs.split(', ')[0]}.`,
  ],
  (a) => [
    `Which manual section covers the ${a.name}?`,
    `Section ${a.section} of the CVPL Field Maintenance Manual, with the isolation steps in its appendix.`,
  ],
  (a) => [
    `Our thermal camera is broken. Can we still inspect the ${a.name}?`,
    `Do the visual part of ${a.interval} now and book the thermal part within 30 days with a loaned camera; note the gap on the work order.`,
  ],
  (a) => [
    `What is the first thing to check when arriving at a ${a.name} after a storm?`,
    `Scan for downed conductors and keep 10 m away until the line is confirmed de-energised. Then look for ${a.signs.split(', ')[0]}.`,
  ],
  (a) => [
    `Draft a work-order note for a routine ${a.name} inspection with no defects.`,
    `Routine inspection per §${a.section} completed. No defects found. Recorded ${a.record}. Next inspection per schedule: ${a.interval}.`,
  ],
  (a) => [
    `How do I verify the ${a.name} is safe to touch?`,
    `Test for absence of voltage with a tester proven on a known live source before and after, then apply grounds. Never rely on the switch position alone (§${a.section}).`,
  ],
  (a) => [
    `What arc-flash category applies to a ${a.name}?`,
    `Use the label on site. Without one, wear ${a.ppe} and call the protection engineer before work starts.`,
  ],
  (a) => [
    `Can one person do the ${a.name} inspection alone?`,
    `The visual patrol, yes, with a check-in every two hours. Any isolation or test needs two qualified workers (§${a.section}).`,
  ],
  (a) => [
    `List the spares a truck should carry for ${a.name} work.`,
    `Fuses and links of the right rating, grounding sets, a voltage tester, the torque wrench set, and the forms for ${a.record}.`,
  ],
];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * 300 chat examples (15 assets × 20 question types), some with a follow-up turn, in a fixed shuffled order as a
 * real export would be; the first is always the transformer inspection question.
 */
export function gridMaintenanceExamples(): Array<{ messages: Array<{ role: string; content: string }> }> {
  const out: Array<{ messages: Array<{ role: string; content: string }> }> = [];
  for (const template of TEMPLATES) {
    for (const asset of ASSETS) {
      const turns = template(asset);
      const messages = [{ role: 'system', content: SYSTEM }];
      for (let i = 0; i < turns.length; i++) messages.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: turns[i]! });
      out.push({ messages });
    }
  }
  // Fisher–Yates with a small seeded generator, leaving the first example in place.
  let seed = 20261128;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = out.length - 1; i > 1; i--) {
    const j = 1 + Math.floor(random() * i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function writeGridJsonl(dir: string): string {
  const file = path.join(dir, 'grid-maintenance.jsonl');
  fs.writeFileSync(
    file,
    gridMaintenanceExamples()
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
  return file;
}

/**
 * A crew FAQ as a spreadsheet export with two bad rows: row 3 (line 4) has an empty answer, and the last row has an
 * unquoted comma, so one column too many.
 */
export function writeCrewFaqCsv(dir: string): string {
  const rows = [
    'question,answer',
    '"What is the minimum approach distance at 12.47 kV?","0.65 m for a qualified worker with no insulating equipment, per CVPL table 2-1."',
    '"When must a hot-line tag be placed?","Before any work within the minimum approach distance of an energised feeder, so reclosing is blocked."',
    '"Which feeders serve the Eastside substation?",""',
    '"How long do discharge resistors need on a capacitor bank?","Five minutes, then short and ground every unit before touch."',
    '"Who signs off a switching order?","The system operator issues it; the crew lead reads it back and signs each step as done."',
    '"What does a dayburner mean?","A streetlight on during the day: usually a failed photocell or one installed facing north."',
    '"How do we report a near miss?","In the SafetyNet app within 24 hours; no blame, the point is to learn."',
    '"What torque does a compression connector need?","None: CVPL standard compression connectors are crimped with the die set marked on the sleeve."',
    '"Can we climb a pole marked reject?","No. Brace it or use a bucket truck; a reject pole may fail under a climber."',
    '"What is a tan-delta test?","A VLF test that measures dielectric loss in cable insulation; a high value means water trees."',
    '"When is an infrared scan most useful?","At peak load, when connections run hottest; avoid scanning in rain or direct sun on the target."',
    '"Who can operate a network protector?","Only network-qualified workers with a vault entry permit and a gas monitor."',
    '"How close may a trimmer work to a 12 kV line?","Only a line-clearance certified trimmer may work within 3 m, with a hot-line tag on the feeder."',
    'Which crews cover the river valley?,Crews 4 and 7,plus the storm reserve',
  ];
  const file = path.join(dir, 'field-crew-faq.csv');
  fs.writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** A large file (about 45 MB) so an import runs long enough to watch its progress and cancel it. */
export function writeLargeJsonl(dir: string, rows = 200_000): string {
  const file = path.join(dir, 'grid-maintenance-archive.jsonl');
  const base = gridMaintenanceExamples();
  const fd = fs.openSync(file, 'w');
  try {
    let chunk = '';
    for (let i = 0; i < rows; i++) {
      const e = base[i % base.length]!;
      const messages = e.messages.map((m) => (m.role === 'user' ? { ...m, content: `${m.content} (ticket ${100000 + i})` } : m));
      chunk += JSON.stringify({ messages }) + '\n';
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/**
 * A small crew log for curation: three rows with personal data first (an email, a Luhn-valid test card, a phone),
 * then 20 ordinary examples, then 3 exact copies of earlier ones. 26 rows; exact dedup leaves 23.
 */
export function writeCurateJsonl(dir: string): string {
  const chat = (user: string, assistant: string) => ({
    messages: [
      { role: 'user', content: user },
      { role: 'assistant', content: assistant },
    ],
  });
  const pii = [
    chat('Who signs off the outage at Elm Street?', 'Email the shift lead at dana.ortiz@cedarvalley-power.com before switching.'),
    chat('How did the contractor pay for the spare fuses?', 'With the company card 4111 1111 1111 1111, logged on the purchase order.'),
    chat('Who do I call if the recloser trips again?', 'Call the control room on 555-867-5309 and read them the event log.'),
  ];
  const base = gridMaintenanceExamples().slice(0, 20);
  const rows = [...pii, ...base, base[3]!, base[7]!, pii[0]!];
  const file = path.join(dir, 'crew-log.jsonl');
  fs.writeFileSync(file, rows.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return file;
}
