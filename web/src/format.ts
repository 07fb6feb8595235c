// Dates as the reader's browser writes them; partial FHIR dates stay as given.

export const formatDate = (value: string | undefined) => {
  if (!value) return '';
  // A FHIR date may be just a year or year-month: show it as given.
  if (/^\d{4}(-\d{2})?$/.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return /T/.test(value) ? date.toLocaleString() : date.toLocaleDateString();
};
