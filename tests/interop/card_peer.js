// A bank's card processor built on the npm iso_8583 package (an ISO 8583 implementation the
// hub did not write), as a peer of the hub's card gateway, for tests/cards/serve_cards_interop_test.
//
//   node card_peer.js issuer|acquirer PORT INSTITUTION KEY
//
// Connects to 127.0.0.1:PORT, signs on (0800, 70 001, 33 INSTITUTION, 53 KEY), then:
//  - every message the hub sends is read with the package and printed on stdout as one JSON
//    line {"event":"received","0":MTI,"2":...} (fields as the package reads them);
//  - the hub's echoes (0800/301) are answered 0810 00;
//  - as an issuer, a forwarded 0100/0200 is answered 0110/0210 built by the package, echoing
//    2, 11 and 7 as received: by field 4's last two digits, "51" → 39 51, "99" → no answer (the
//    hub times out), otherwise 39 00 with 38 a 6-character approval code; advices and
//    reversals (0120/0220/0400/0420 and repeats) are acknowledged 0130/0230/0410/0430 00;
//  - every stdin line is a JSON object of fields ("0" the MTI), packed by the package and sent
//    (an acquirer's requests and advices).
// Other stdout lines: {"event":"signon","39":CODE}, {"event":"sent",...}, {"event":"error",...}.
// Exits when the hub closes the link or stdin ends.
'use strict';
const net = require('net');
const readline = require('readline');
const Iso8583 = require('iso_8583');

// The package speaks Postilion's dialect, where field 53 is 48 binary bytes; the hub's links
// use ISO 8583:1987's n16 (the sign-on key), given to the package as a custom format. No MACs.
const customFormats = {
  '53': {
    ContentType: 'n',
    Label: 'Security related control information',
    LenType: 'fixed',
    MaxLen: 16,
  },
};

const [role, port, institution, key] = process.argv.slice(2);
if (!['issuer', 'acquirer'].includes(role) || !port || !institution || !key) {
  process.stderr.write('usage: node card_peer.js issuer|acquirer PORT INSTITUTION KEY\n');
  process.exit(2);
}

function emit(event, fields) {
  process.stdout.write(JSON.stringify(Object.assign({event}, fields || {})) + '\n');
}

function now7() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes()) +
         p(d.getUTCSeconds());
}

let stan = Math.floor(Math.random() * 900000);
function nextStan() {
  stan = (stan + 1) % 1000000;
  return String(stan).padStart(6, '0');
}

let approvals = 0;
const socket = net.connect(Number(port), '127.0.0.1');

function send(fields) {
  const message = new Iso8583(fields, customFormats);
  const valid = message.validateMessage();
  if (valid !== true) {
    emit('error', {what: 'invalid', detail: JSON.stringify(valid), mti: fields['0']});
    return;
  }
  const frame = message.getBufferMessage();
  if (!Buffer.isBuffer(frame)) {
    emit('error', {what: 'pack', detail: JSON.stringify(frame), mti: fields['0']});
    return;
  }
  socket.write(frame);
  if (fields['0'] !== '0810') emit('sent', {'0': fields['0'], '11': fields['11'] || ''});
}

function copy(from, numbers, into) {
  for (const n of numbers) {
    if (from[n] !== undefined) into[n] = from[n];
  }
  return into;
}

const kAckOf = {
  '0120': '0130', '0121': '0130', '0220': '0230', '0221': '0230',
  '0400': '0410', '0401': '0410', '0420': '0430', '0421': '0430',
};

function onMessage(fields) {
  const mti = fields['0'];
  if (mti === '0800' && fields['70'] === '301') {
    send(copy(fields, ['7', '11', '70'], {'0': '0810', '39': '00'}));
    return;
  }
  emit('received', fields);
  if (mti === '0810' && fields['70'] === '001') emit('signon', {'39': fields['39'] || ''});
  if (role !== 'issuer') return;
  if (mti === '0100' || mti === '0200') {
    const cents = (fields['4'] || '').slice(-2);
    if (cents === '99') return;  // silent: the hub times out
    // The package's required fields for an 0110 with processing code 000000 include 2 (the
    // hub's own responses to acquirers leave it out; it accepts it from an issuer).
    const answer = copy(fields, ['2', '3', '4', '6', '7', '10', '11', '32', '37', '41', '49', '51'],
                        {'0': mti === '0100' ? '0110' : '0210'});
    if (cents === '51') {
      answer['39'] = '51';
    } else {
      approvals += 1;
      answer['38'] = 'NP' + String(approvals).padStart(4, '0');
      answer['39'] = '00';
    }
    send(answer);
  } else if (kAckOf[mti]) {
    send(copy(fields, ['7', '11'], {'0': kAckOf[mti], '39': '00'}));
  }
}

let pending = Buffer.alloc(0);
socket.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 2) {
    const length = pending.readUInt16BE(0);
    if (pending.length < 2 + length) break;
    const frame = pending.subarray(0, 2 + length);
    pending = pending.subarray(2 + length);
    const fields = new Iso8583(undefined, customFormats).getIsoJSON(frame, {});
    if (fields.error) {
      emit('error', {what: 'unpack', detail: JSON.stringify(fields), hex: frame.toString('hex')});
      continue;
    }
    onMessage(fields);
  }
});

socket.on('connect', () => {
  send({'0': '0800', '7': now7(), '11': nextStan(), '33': institution, '53': key, '70': '001'});
  const lines = readline.createInterface({input: process.stdin});
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let fields;
    try {
      fields = JSON.parse(line);
    } catch (e) {
      emit('error', {what: 'stdin', detail: String(e)});
      return;
    }
    send(fields);
  });
  lines.on('close', () => socket.end());
});
socket.on('error', (e) => {
  emit('error', {what: 'socket', detail: String(e)});
  process.exit(1);
});
socket.on('close', () => {
  emit('closed');
  process.exit(0);
});
