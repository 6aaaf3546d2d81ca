/** Kenneki's RADIUS codec: the public surface for the RADIUS server, CoA client and VLAN adapter. */
export { RADIUS_DECODE_REASONS, RadiusDecodeError, isRadiusDecodeError, type RadiusDecodeReason } from './decode-error.js';
export {
  RADIUS_CODE, RADIUS_HEADER_BYTES, RADIUS_MAX_PACKET_BYTES, RADIUS_MAX_ATTRIBUTE_VALUE_BYTES, RADIUS_AUTHENTICATOR_BYTES,
  decodePacket, encodePacket, isRadiusCode, isRequestCode, packetBytes,
  type RadiusAttribute, type RadiusCode, type RadiusPacket,
} from './packet.js';
export {
  ATTRIBUTES, VENDOR, VENDORS_BY_ID, SERVICE_TYPE, NAS_PORT_TYPE, TUNNEL_TYPE, TUNNEL_MEDIUM_TYPE, ACCT_STATUS_TYPE, ERROR_CAUSE,
  attr, attributeByCode, attributeByName, valueByName, valueName,
  type AttributeDef, type RadiusEncryption, type RadiusValueType, type VendorDef,
} from './dictionary.js';
export * from './values.js';
export * from './attributes.js';
export {
  createSaltSource, hideMppeKey, hideTunnelPassword, hideUserPassword, revealMppeKey, revealTunnelPassword, revealUserPassword,
  saltDecrypt, saltEncrypt, MAX_USER_PASSWORD_BYTES, MAX_SALTED_DATA_BYTES,
} from './hiding.js';
export { type Secret } from './secret-key.js';
export {
  MESSAGE_AUTHENTICATOR, encodeRequest, encodeResponse, hasHashedRequestAuthenticator, hasMessageAuthenticator,
  verifyMessageAuthenticator, verifyRequestAuthenticator, verifyResponseAuthenticator,
  type SignOptions, type UnsignedPacket,
} from './authenticator.js';
export { EAP_CODE, EAP_MESSAGE, EAP_TYPE, decodeEap, encodeEap, fragmentEap, reassembleEap, type EapPacket } from './eap.js';
export { MAC_FORMATS, formatMac, normalizeMac, type MacFormat, type MacFormatName } from './mac.js';
