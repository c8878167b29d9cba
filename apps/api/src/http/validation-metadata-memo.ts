import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type ValidationMetadata = Parameters<Storage['addValidationMetadata']>[0];

/**
 * Remembers class-validator's rules per DTO class. For every object it validates, class-validator
 * looks through the rules of every decorated class for those of the object's class and its
 * parents, then groups them by property (about a third of a request body's validation, with the
 * API's hundred-odd DTO classes); the answer depends only on the class and the options, and the
 * rules are all registered when the classes load. Only calls without groups or a schema (the
 * API's) are remembered, and registering a rule forgets them all.
 */
export function rememberValidationMetadata(storage: Storage = getMetadataStorage()): void {
  const marked = storage as Storage & { rulesRemembered?: true };
  if (marked.rulesRemembered) return;
  marked.rulesRemembered = true;
  let byClass = new Map<string, Map<unknown, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  const forget = () => {
    byClass = new Map();
    grouped = new WeakMap();
  };
  const targetMetadatas = storage.getTargetValidationMetadatas.bind(storage);
  const groupByPropertyName = storage.groupByPropertyName.bind(storage);
  const addValidationMetadata = storage.addValidationMetadata.bind(storage);
  const addValidationSchema = storage.addValidationSchema.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema || groups?.length)
      return targetMetadatas(target, schema, always, strictGroups, groups);
    const options = `${always}:${strictGroups}`;
    let classes = byClass.get(options);
    if (!classes) byClass.set(options, (classes = new Map()));
    let found = classes.get(target);
    if (!found) {
      found = targetMetadatas(target, schema, always, strictGroups, groups);
      classes.set(target, found);
    }
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let byProperty = grouped.get(metadata);
    if (!byProperty) {
      byProperty = groupByPropertyName(metadata);
      grouped.set(metadata, byProperty);
    }
    return byProperty;
  };
  storage.addValidationMetadata = (metadata) => {
    forget();
    addValidationMetadata(metadata);
  };
  storage.addValidationSchema = (schema) => {
    forget();
    addValidationSchema(schema);
  };
}
