import { SetMetadata } from '@nestjs/common';

export const RECORDS_ACCESS_METADATA = 'aftercare:records-access';

/**
 * Marks a route that reads personal data or an audit view: every call is recorded in the access
 * log (who, what, when) before it is served. `action` names what is read (`customer.view`).
 */
export const RecordsAccess = (action: string) => SetMetadata(RECORDS_ACCESS_METADATA, action);
