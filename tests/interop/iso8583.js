// The npm iso_8583 package (an ISO 8583 implementation corridor did not write) as a command,
// for src/iso8583/interop_test.cpp.
//   node iso8583.js pack FILE    FILE: a JSON object {"0": MTI, "2": ..., "52": "16 hex"};
//                                prints the frame (2-byte length included) as hex
//   node iso8583.js unpack HEX   HEX: a frame; prints "NUMBER<TAB>VALUE" per field, in order
//                                (b fields as hex)
// Exits 1 with the package's error on stderr.
'use strict';
const fs = require('fs');
const Iso8583 = require('iso_8583');

// The package speaks Postilion's dialect, where field 53 is 48 binary bytes; the hub's links
// use ISO 8583:1987's n16 (the sign-on key), given to the package as a custom format.
const customFormats = {
  '53': {
    ContentType: 'n',
    Label: 'Security related control information',
    LenType: 'fixed',
    MaxLen: 16,
  },
};

function fail(what, detail) {
  process.stderr.write(what + ': ' + JSON.stringify(detail) + '\n');
  process.exit(1);
}

function pack(file) {
  const fields = JSON.parse(fs.readFileSync(file, 'utf8'));
  const message = new Iso8583(fields, customFormats);
  const valid = message.validateMessage();
  if (valid !== true) fail('invalid', valid);
  const frame = message.getBufferMessage();
  if (!Buffer.isBuffer(frame)) fail('pack', frame);
  process.stdout.write(frame.toString('hex') + '\n');
}

function unpack(hex) {
  const fields = new Iso8583(undefined, customFormats).getIsoJSON(Buffer.from(hex, 'hex'), {});
  if (fields.error) fail('unpack', fields);
  const numbers = Object.keys(fields).map(Number).sort((a, b) => a - b);
  for (const number of numbers) process.stdout.write(number + '\t' + fields[number] + '\n');
}

const [command, argument] = process.argv.slice(2);
if (command === 'pack') pack(argument);
else if (command === 'unpack') unpack(argument);
else fail('usage', 'pack FILE | unpack HEX');
