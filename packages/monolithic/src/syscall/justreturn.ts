/** A body's JS result meaning "I set the frame myself" (sigreturn). */
export const JUSTRETURN = -0x20000;
/** The u_error value for JUSTRETURN (4.4BSD EJUSTRETURN, -2: no errno has it). */
export const EJUSTRETURN = 0xfffffffe;
