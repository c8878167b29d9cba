import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal';

export const ROLES_METADATA = 'aftercare:roles';
export const PUBLIC_METADATA = 'aftercare:public';

/** The roles a route admits; every route declares them (or is explicitly `@Public()`). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_METADATA, roles);

/** A route anyone may call without credentials (liveness, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);
