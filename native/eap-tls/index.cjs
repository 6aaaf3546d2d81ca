'use strict';
// The compiled addon; a missing build throws here, and Kenneki falls back to Node's TLSSocket.
module.exports = require('./build/Release/eap_tls.node');
