'use strict';
// The compiled addon; a missing build throws here, and Kenneki falls back to a shared socket.
module.exports = require('./build/Release/udp_reuseport.node');
