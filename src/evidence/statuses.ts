// An evidence item's status in words, for pages and messages (the status codes are English words; the English
// page shows them as they are).

import { msg, type Message } from '../i18n/messages';

export const STATUS_LABELS: Readonly<Record<string, Message>> = {
  draft: msg('draft'),
  submitted: msg('submitted'),
  verified: msg('verified'),
  rejected: msg('rejected'),
  retracted: msg('retracted'),
  superseded: msg('superseded'),
};

/** The status in words (a status not known here as it is). */
export const statusLabel = (status: string): Message | string => (Object.hasOwn(STATUS_LABELS, status) ? STATUS_LABELS[status] : status);
