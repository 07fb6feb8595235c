/**
 * Laboratory tests and panels (LOINC) with UCUM units and adult/child reference ranges. Ranges are
 * typical of US reference laboratories; they only need to be plausible, not authoritative.
 */

export type Sex = 'male' | 'female';

export interface ReferenceRange {
  low?: number;
  high?: number;
}

export interface LabTest {
  loinc: string;
  display: string;
  text: string;
  /** Human-readable unit; the UCUM code goes in Quantity.code. */
  unit: string;
  ucum: string;
  decimals: number;
  range(sex: Sex, age: number): ReferenceRange;
}

function test(loinc: string, display: string, text: string, unit: string, ucum: string, decimals: number, range: LabTest['range']): LabTest {
  return { loinc, display, text, unit, ucum, decimals, range };
}

const fixed = (low?: number, high?: number) => (): ReferenceRange => ({ ...(low === undefined ? {} : { low }), ...(high === undefined ? {} : { high }) });

export const LAB_TESTS = {
  wbc: test('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', 'White blood cell count (WBC)', '10*3/uL', '10*3/uL', 1, fixed(4.5, 11.0)),
  rbc: test('789-8', 'Erythrocytes [#/volume] in Blood by Automated count', 'Red blood cell count (RBC)', '10*6/uL', '10*6/uL', 2, (sex, age) =>
    age < 18 ? { low: 4.0, high: 5.2 } : sex === 'male' ? { low: 4.5, high: 5.9 } : { low: 4.0, high: 5.2 }),
  hemoglobin: test('718-7', 'Hemoglobin [Mass/volume] in Blood', 'Hemoglobin', 'g/dL', 'g/dL', 1, (sex, age) =>
    age < 18 ? { low: 11.5, high: 15.5 } : sex === 'male' ? { low: 13.5, high: 17.5 } : { low: 12.0, high: 15.5 }),
  hematocrit: test('4544-3', 'Hematocrit [Volume Fraction] of Blood by Automated count', 'Hematocrit', '%', '%', 1, (sex, age) =>
    age < 18 ? { low: 35, high: 45 } : sex === 'male' ? { low: 41, high: 53 } : { low: 36, high: 46 }),
  mcv: test('787-2', 'MCV [Entitic volume] by Automated count', 'Mean corpuscular volume (MCV)', 'fL', 'fL', 1, fixed(80, 100)),
  platelets: test('777-3', 'Platelets [#/volume] in Blood by Automated count', 'Platelet count', '10*3/uL', '10*3/uL', 0, fixed(150, 450)),
  glucose: test('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'Glucose', 'mg/dL', 'mg/dL', 0, fixed(70, 99)),
  urea: test('3094-0', 'Urea nitrogen [Mass/volume] in Serum or Plasma', 'Blood urea nitrogen (BUN)', 'mg/dL', 'mg/dL', 0, (_sex, age) =>
    age < 18 ? { low: 5, high: 18 } : { low: 7, high: 20 }),
  creatinine: test('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'Creatinine', 'mg/dL', 'mg/dL', 2, (sex, age) =>
    age < 18 ? { low: 0.3, high: 0.7 } : sex === 'male' ? { low: 0.74, high: 1.35 } : { low: 0.59, high: 1.04 }),
  sodium: test('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'Sodium', 'mmol/L', 'mmol/L', 0, fixed(135, 145)),
  potassium: test('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'Potassium', 'mmol/L', 'mmol/L', 1, fixed(3.5, 5.1)),
  chloride: test('2075-0', 'Chloride [Moles/volume] in Serum or Plasma', 'Chloride', 'mmol/L', 'mmol/L', 0, fixed(98, 107)),
  carbonDioxide: test('2028-9', 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', 'Carbon dioxide (bicarbonate)', 'mmol/L', 'mmol/L', 0, fixed(22, 29)),
  calcium: test('17861-6', 'Calcium [Mass/volume] in Serum or Plasma', 'Calcium', 'mg/dL', 'mg/dL', 1, fixed(8.6, 10.3)),
  egfr: test('33914-3', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)', 'Estimated glomerular filtration rate (eGFR)', 'mL/min/1.73m2', 'mL/min/{1.73_m2}', 0, fixed(60)),
  cholesterol: test('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'Total cholesterol', 'mg/dL', 'mg/dL', 0, fixed(undefined, 200)),
  triglycerides: test('2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma', 'Triglycerides', 'mg/dL', 'mg/dL', 0, fixed(undefined, 150)),
  hdl: test('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', 'HDL cholesterol', 'mg/dL', 'mg/dL', 0, (sex) =>
    sex === 'male' ? { low: 40 } : { low: 50 }),
  ldl: test('18262-6', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay', 'LDL cholesterol', 'mg/dL', 'mg/dL', 0, fixed(undefined, 100)),
  hba1c: test('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', 'Hemoglobin A1c', '%', '%', 1, fixed(4.0, 5.6)),
  tsh: test('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'Thyroid stimulating hormone (TSH)', 'mIU/L', 'm[IU]/L', 2, fixed(0.4, 4.0)),
} as const satisfies Record<string, LabTest>;

export type LabTestKey = keyof typeof LAB_TESTS;

export interface LabPanel {
  loinc: string;
  display: string;
  text: string;
  tests: readonly LabTestKey[];
}

export const LAB_PANELS = {
  cbc: { loinc: '58410-2', display: 'CBC panel - Blood by Automated count', text: 'Complete blood count (CBC)', tests: ['wbc', 'rbc', 'hemoglobin', 'hematocrit', 'mcv', 'platelets'] },
  bmp: { loinc: '51990-0', display: 'Basic metabolic panel - Blood', text: 'Basic metabolic panel (BMP)', tests: ['glucose', 'urea', 'creatinine', 'sodium', 'potassium', 'chloride', 'carbonDioxide', 'calcium', 'egfr'] },
  lipid: { loinc: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma', text: 'Lipid panel', tests: ['cholesterol', 'triglycerides', 'hdl', 'ldl'] },
  hba1c: { loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', text: 'Hemoglobin A1c', tests: ['hba1c'] },
  tsh: { loinc: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma', text: 'Thyroid stimulating hormone (TSH)', tests: ['tsh'] },
} as const satisfies Record<string, LabPanel>;

export type LabPanelKey = keyof typeof LAB_PANELS;
