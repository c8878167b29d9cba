import { apiPost } from '../api';
import { ActionForm, Field } from '../components/form';
import { Section } from '../components/status';
import { freshId } from '../data';
import { navigate } from '../router';
import type { CustomerView } from './customer-types';

/** A number field as typed: a number when it reads as one, the text otherwise (the API says why). */
const numberOrText = (value: FormDataEntryValue | null): number | string | undefined => {
  const text = String(value ?? '').trim();
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
};
const text = (value: FormDataEntryValue | null): string | undefined => {
  const t = String(value ?? '').trim();
  return t === '' ? undefined : t;
};
/** A datetime-local value, read as UTC. */
const instant = (value: FormDataEntryValue | null): string | undefined => {
  const t = text(value);
  return t === undefined ? undefined : `${t.length === 16 ? `${t}:00` : t}Z`;
};

/** What an agent (or admin) may record from the 360, each form a real API write. */
export function CustomerActions(props: { view: CustomerView; onRecorded: () => void }) {
  const base = `/v1/customers/${encodeURIComponent(props.view.customerId)}`;
  return (
    <Section title="Actions" wide>
      <div class="forms">
        <ActionForm
          id="feedback"
          title="Record feedback"
          submitLabel="Record feedback"
          onDone={props.onRecorded}
          send={(form) =>
            apiPost(
              `${base}/feedback`,
              {
                nps: numberOrText(form.get('nps')),
                csat: numberOrText(form.get('csat')),
                ces: numberOrText(form.get('ces')),
                comment: text(form.get('comment')),
                channel: 'phone',
              },
              freshId('console'),
            )
          }
        >
          {(errors) => (
            <>
              <Field
                form="feedback"
                name="nps"
                label="NPS (0-10)"
                errors={errors}
                attrs={{ inputmode: 'numeric' }}
              />
              <Field
                form="feedback"
                name="csat"
                label="CSAT (1-5)"
                errors={errors}
                attrs={{ inputmode: 'numeric' }}
              />
              <Field
                form="feedback"
                name="ces"
                label="CES (1-7)"
                errors={errors}
                attrs={{ inputmode: 'numeric' }}
              />
              <Field form="feedback" name="comment" label="Comment" errors={errors} />
            </>
          )}
        </ActionForm>
        <ActionForm
          id="claim"
          title="File a warranty claim"
          submitLabel="File claim"
          onDone={(result) => {
            const claimId = (result as { claimId?: string }).claimId;
            if (claimId) navigate(`/claims/${encodeURIComponent(claimId)}`);
          }}
          send={(form) =>
            apiPost(
              '/v1/warranty-claims',
              {
                customerId: props.view.customerId,
                purchaseId: text(form.get('purchaseId')),
                noticedAt: instant(form.get('noticedAt')),
                defect: {
                  code: text(form.get('defect.code')),
                  description: text(form.get('defect.description')),
                },
                symptom: text(form.get('symptom')),
                evidence: { proofOfPurchase: form.get('evidence.proofOfPurchase') === 'on' },
              },
              freshId('console'),
            )
          }
        >
          {(errors) => (
            <>
              <Field form="claim" name="purchaseId" label="Product" errors={errors}>
                <select id="claim-purchaseId" name="purchaseId">
                  {props.view.products.map((p) => (
                    <option key={p.purchaseId} value={p.purchaseId}>
                      {p.sku} ({p.purchaseId})
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                form="claim"
                name="noticedAt"
                label="Defect noticed (UTC)"
                type="datetime-local"
                errors={errors}
              />
              <Field form="claim" name="defect.code" label="Defect code" errors={errors} />
              <Field
                form="claim"
                name="defect.description"
                label="Defect description"
                errors={errors}
              />
              <Field
                form="claim"
                name="symptom"
                label="Symptom, in the customer's words"
                errors={errors}
              />
              <Field
                form="claim"
                name="evidence.proofOfPurchase"
                label="Proof of purchase seen"
                type="checkbox"
                errors={errors}
              />
            </>
          )}
        </ActionForm>
        {props.view.openComplaints.some((c) => !c.acknowledgedAt) && (
          <ActionForm
            id="acknowledge"
            title="Acknowledge a complaint"
            submitLabel="Acknowledge"
            onDone={props.onRecorded}
            send={(form) =>
              apiPost(
                `${base}/complaints/${encodeURIComponent(String(form.get('complaintId')))}/acknowledgement`,
                { agentId: text(form.get('agentId')) },
                freshId('console'),
              )
            }
          >
            {(errors) => (
              <>
                <Field form="acknowledge" name="complaintId" label="Complaint" errors={errors}>
                  <select id="acknowledge-complaintId" name="complaintId">
                    {props.view.openComplaints
                      .filter((c) => !c.acknowledgedAt)
                      .map((c) => (
                        <option key={c.complaintId} value={c.complaintId}>
                          {c.complaintId} ({c.category}, {c.severity})
                        </option>
                      ))}
                  </select>
                </Field>
                <Field
                  form="acknowledge"
                  name="agentId"
                  label="Agent id (optional)"
                  errors={errors}
                />
              </>
            )}
          </ActionForm>
        )}
      </div>
    </Section>
  );
}
