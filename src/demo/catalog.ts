/**
 * Clinical vocabulary used by the demo generator: SNOMED CT, ICD-10-CM, RxNorm, CVX and LOINC
 * concepts, with the canonical system URIs from terminology.hl7.org. Codes were chosen from ones
 * that appear in real US exchange (Synthea output, US Core examples), so downstream code sees the
 * same shapes it will meet in practice. Laboratory tests live in lab-catalog.ts.
 */

export const SYSTEM = {
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  ucum: 'http://unitsofmeasure.org',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  diagnosticService: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  maritalStatus: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus',
  dischargeDisposition: 'http://terminology.hl7.org/CodeSystem/discharge-disposition',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  medicationRequestCategory: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  documentCategory: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
  raceEthnicity: 'urn:oid:2.16.840.1.113883.6.238',
  language: 'urn:ietf:bcp:47',
  demoMrn: 'https://hearth.example/demo/mrn',
} as const;

export interface Concept {
  code: string;
  display: string;
}

export interface ConditionConcept {
  snomed: Concept;
  icd10: Concept;
  text: string;
}

function condition(snomed: string, snomedDisplay: string, icd: string, icdDisplay: string, text: string): ConditionConcept {
  return { snomed: { code: snomed, display: snomedDisplay }, icd10: { code: icd, display: icdDisplay }, text };
}

export const CONDITIONS = {
  hypertension: condition('59621000', 'Essential hypertension', 'I10', 'Essential (primary) hypertension', 'High blood pressure'),
  hyperlipidemia: condition('55822004', 'Hyperlipidemia', 'E78.5', 'Hyperlipidemia, unspecified', 'High cholesterol'),
  prediabetes: condition('15777000', 'Prediabetes', 'R73.03', 'Prediabetes', 'Prediabetes'),
  diabetesType2: condition('44054006', 'Diabetes mellitus type 2', 'E11.9', 'Type 2 diabetes mellitus without complications', 'Type 2 diabetes'),
  acuteBronchitis: condition('10509002', 'Acute bronchitis', 'J20.9', 'Acute bronchitis, unspecified', 'Acute bronchitis'),
  allergicRhinitis: condition('367498001', 'Seasonal allergic rhinitis', 'J30.2', 'Other seasonal allergic rhinitis', 'Seasonal allergies (hay fever)'),
  hypothyroidism: condition('40930008', 'Hypothyroidism', 'E03.9', 'Hypothyroidism, unspecified', 'Underactive thyroid'),
  ankleSprain: condition('44465007', 'Sprain of ankle', 'S93.409A', 'Sprain of unspecified ligament of unspecified ankle, initial encounter', 'Sprained ankle'),
  covid19: condition('840539006', 'Disease caused by severe acute respiratory syndrome coronavirus 2', 'U07.1', 'COVID-19', 'COVID-19'),
  otitisMedia: condition('65363002', 'Otitis media', 'H66.90', 'Otitis media, unspecified, unspecified ear', 'Ear infection'),
  viralPharyngitis: condition('195662009', 'Acute viral pharyngitis', 'J02.9', 'Acute pharyngitis, unspecified', 'Sore throat (viral)'),
  forearmFracture: condition('65966004', 'Fracture of forearm', 'S52.90XA', 'Unspecified fracture of unspecified forearm, initial encounter', 'Broken forearm'),
  chronicKidneyDisease3: condition('433144002', 'Chronic kidney disease stage 3', 'N18.30', 'Chronic kidney disease, stage 3 unspecified', 'Chronic kidney disease, stage 3'),
  kneeOsteoarthritis: condition('239873007', 'Osteoarthritis of knee', 'M17.9', 'Osteoarthritis of knee, unspecified', 'Knee arthritis'),
  pneumonia: condition('233604007', 'Pneumonia', 'J18.9', 'Pneumonia, unspecified organism', 'Pneumonia'),
  viralSinusitis: condition('444814009', 'Viral sinusitis', 'J01.90', 'Acute sinusitis, unspecified', 'Sinus infection'),
} as const satisfies Record<string, ConditionConcept>;

export type ConditionKey = keyof typeof CONDITIONS;

/** Self-limited conditions: encounter diagnoses, never reasons for a chronic-care follow-up. */
export const ACUTE_CONDITIONS: ReadonlySet<ConditionKey> = new Set<ConditionKey>([
  'acuteBronchitis', 'ankleSprain', 'covid19', 'otitisMedia', 'viralPharyngitis', 'forearmFracture', 'pneumonia', 'viralSinusitis',
]);

export interface MedicationConcept extends Concept {
  text: string;
  /** Sig as a prescriber would write it. */
  sig: string;
  timesPerDay: number;
  asNeeded?: boolean;
  route: Concept;
  doseUnit: string;
}

const ORAL: Concept = { code: '26643006', display: 'Oral route' };
const INHALED: Concept = { code: '447694001', display: 'Respiratory tract route' };
const INTRAMUSCULAR: Concept = { code: '78421000', display: 'Intramuscular route' };
const INTRAVENOUS: Concept = { code: '47625008', display: 'Intravenous route' };

function medication(code: string, display: string, text: string, sig: string, timesPerDay: number, route: Concept, doseUnit: string, asNeeded = false): MedicationConcept {
  return { code, display, text, sig, timesPerDay, route, doseUnit, ...(asNeeded ? { asNeeded } : {}) };
}

export const MEDICATIONS = {
  lisinopril10: medication('314076', 'lisinopril 10 MG Oral Tablet', 'Lisinopril 10 mg tablet', 'Take 1 tablet (10 mg) by mouth once daily.', 1, ORAL, 'tablet'),
  lisinopril20: medication('314077', 'lisinopril 20 MG Oral Tablet', 'Lisinopril 20 mg tablet', 'Take 1 tablet (20 mg) by mouth once daily.', 1, ORAL, 'tablet'),
  metformin500: medication('860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', 'Metformin ER 500 mg tablet', 'Take 1 tablet (500 mg) by mouth once daily with the evening meal.', 1, ORAL, 'tablet'),
  metformin1000: medication('860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', 'Metformin ER 500 mg tablet (2 tablets)', 'Take 2 tablets (1000 mg) by mouth once daily with the evening meal.', 1, ORAL, 'tablet'),
  simvastatin20: medication('312961', 'Simvastatin 20 MG Oral Tablet', 'Simvastatin 20 mg tablet', 'Take 1 tablet (20 mg) by mouth every evening.', 1, ORAL, 'tablet'),
  simvastatin10: medication('314231', 'Simvastatin 10 MG Oral Tablet', 'Simvastatin 10 mg tablet', 'Take 1 tablet (10 mg) by mouth every evening.', 1, ORAL, 'tablet'),
  amlodipine5: medication('197361', 'Amlodipine 5 MG Oral Tablet', 'Amlodipine 5 mg tablet', 'Take 1 tablet (5 mg) by mouth once daily.', 1, ORAL, 'tablet'),
  hydrochlorothiazide25: medication('310798', 'Hydrochlorothiazide 25 MG Oral Tablet', 'Hydrochlorothiazide 25 mg tablet', 'Take 1 tablet (25 mg) by mouth every morning.', 1, ORAL, 'tablet'),
  levothyroxine75: medication('966222', 'Levothyroxine Sodium 0.075 MG Oral Tablet', 'Levothyroxine 75 mcg tablet', 'Take 1 tablet (75 mcg) by mouth every morning on an empty stomach.', 1, ORAL, 'tablet'),
  cetirizine10: medication('1014678', 'cetirizine hydrochloride 10 MG Oral Tablet', 'Cetirizine 10 mg tablet', 'Take 1 tablet (10 mg) by mouth once daily during allergy season.', 1, ORAL, 'tablet'),
  acetaminophen325: medication('313782', 'Acetaminophen 325 MG Oral Tablet', 'Acetaminophen 325 mg tablet', 'Take 2 tablets (650 mg) by mouth every 6 hours as needed for pain or fever. Max 3 g per day.', 4, ORAL, 'tablet', true),
  acetaminophen160Chewable: medication('313820', 'Acetaminophen 160 MG Chewable Tablet', 'Acetaminophen 160 mg chewable tablet', 'Chew 2 tablets (320 mg) every 6 hours as needed for fever or pain.', 4, ORAL, 'tablet', true),
  ibuprofen200: medication('310965', 'Ibuprofen 200 MG Oral Tablet', 'Ibuprofen 200 mg tablet', 'Take 2 tablets (400 mg) by mouth every 8 hours as needed for pain, with food.', 3, ORAL, 'tablet', true),
  ibuprofen100: medication('198405', 'Ibuprofen 100 MG Oral Tablet', 'Ibuprofen 100 mg tablet', 'Take 2 tablets (200 mg) by mouth every 8 hours as needed for pain, with food.', 3, ORAL, 'tablet', true),
  amoxicillin250: medication('308182', 'Amoxicillin 250 MG Oral Capsule', 'Amoxicillin 250 mg capsule', 'Take 1 capsule (250 mg) by mouth three times daily for 10 days.', 3, ORAL, 'capsule'),
  albuterolInhaler: medication('2123111', 'NDA020503 200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', 'Albuterol inhaler 90 mcg/actuation', 'Inhale 2 puffs every 4-6 hours as needed for cough or wheezing.', 4, INHALED, 'puff', true),
  epinephrineAutoInjector: medication('1870230', 'NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector', 'Epinephrine auto-injector 0.3 mg', 'Inject 0.3 mg into the outer thigh once for severe allergic reaction; call 911. May repeat once after 5-15 minutes.', 1, INTRAMUSCULAR, 'injection', true),
  cefuroxime250: medication('309097', 'Cefuroxime 250 MG Oral Tablet', 'Cefuroxime 250 mg tablet', 'Take 1 tablet (250 mg) by mouth twice daily for 7 days.', 2, ORAL, 'tablet'),
  sodiumChlorideIv: medication('313002', 'Sodium Chloride 9 MG/ML Injectable Solution', 'Normal saline 0.9% IV', 'Infuse 75 mL per hour intravenously.', 1, INTRAVENOUS, 'mL'),
} as const satisfies Record<string, MedicationConcept>;

export type MedicationKey = keyof typeof MEDICATIONS;

export interface VaccineConcept extends Concept {
  text: string;
}

function vaccine(code: string, display: string, text: string): VaccineConcept {
  return { code, display, text };
}

export const VACCINES = {
  hepB: vaccine('08', 'Hep B, adolescent or pediatric', 'Hepatitis B vaccine (pediatric)'),
  rotavirus: vaccine('119', 'rotavirus, monovalent', 'Rotavirus vaccine'),
  dtap: vaccine('20', 'DTaP', 'DTaP vaccine (diphtheria, tetanus, pertussis)'),
  hib: vaccine('49', 'Hib (PRP-OMP)', 'Hib vaccine'),
  pcv13: vaccine('133', 'Pneumococcal conjugate PCV 13', 'Pneumococcal conjugate vaccine (PCV13)'),
  ipv: vaccine('10', 'IPV', 'Polio vaccine (IPV)'),
  mmr: vaccine('03', 'MMR', 'MMR vaccine (measles, mumps, rubella)'),
  varicella: vaccine('21', 'varicella', 'Chickenpox vaccine'),
  hepA: vaccine('83', 'Hep A, ped/adol, 2 dose', 'Hepatitis A vaccine (pediatric)'),
  tdap: vaccine('115', 'Tdap', 'Tdap vaccine (tetanus, diphtheria, pertussis)'),
  td: vaccine('113', 'Td (adult), 5 Lf tetanus toxoid, preservative free, adsorbed', 'Td vaccine (tetanus, diphtheria)'),
  meningococcal: vaccine('114', 'meningococcal MCV4P', 'Meningococcal conjugate vaccine (MenACWY)'),
  ppsv23: vaccine('33', 'pneumococcal polysaccharide vaccine, 23 valent', 'Pneumococcal polysaccharide vaccine (PPSV23)'),
  zosterRecombinant: vaccine('187', 'zoster vaccine recombinant', 'Shingles vaccine (recombinant)'),
  influenzaTrivalent: vaccine('140', 'Influenza, seasonal, injectable, preservative free', 'Flu vaccine'),
  influenzaQuadrivalent: vaccine('150', 'Influenza, injectable, quadrivalent, preservative free', 'Flu vaccine (quadrivalent)'),
  influenzaHighDose: vaccine('135', 'Influenza, high dose seasonal', 'Flu vaccine (high dose)'),
  covidPfizer: vaccine('208', 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose', 'COVID-19 vaccine (Pfizer-BioNTech)'),
  covidPfizerChild: vaccine('218', 'COVID-19, mRNA, LNP-S, PF, 10 mcg/0.2 mL dose, tris-sucrose', 'COVID-19 vaccine (Pfizer-BioNTech, age 5-11)'),
  covidBivalent: vaccine('300', 'COVID-19, mRNA, LNP-S, bivalent, PF, 30 mcg/0.3 mL dose', 'COVID-19 vaccine (bivalent booster)'),
  covidBivalentChild: vaccine('301', 'COVID-19, mRNA, LNP-S, bivalent, PF, 10 mcg/0.2 mL dose', 'COVID-19 vaccine (bivalent booster, age 5-11)'),
  covidUpdated: vaccine('309', 'COVID-19, mRNA, LNP-S, PF, tris-sucrose, 30 mcg/0.3 mL', 'COVID-19 vaccine (updated formula)'),
  covidUpdatedChild: vaccine('310', 'COVID-19, mRNA, LNP-S, PF, tris-sucrose, 10 mcg/0.3 mL', 'COVID-19 vaccine (updated formula, age 5-11)'),
} as const satisfies Record<string, VaccineConcept>;

export type VaccineKey = keyof typeof VACCINES;

export interface AllergenConcept {
  system: string;
  code: string;
  display: string;
  text: string;
  category: 'food' | 'medication' | 'environment';
}

export const ALLERGENS = {
  penicillin: { system: SYSTEM.rxnorm, code: '7980', display: 'Penicillin G', text: 'Penicillin', category: 'medication' },
  peanut: { system: SYSTEM.snomed, code: '762952008', display: 'Peanut (substance)', text: 'Peanut', category: 'food' },
  codeine: { system: SYSTEM.rxnorm, code: '2670', display: 'Codeine', text: 'Codeine', category: 'medication' },
} as const satisfies Record<string, AllergenConcept>;

export const REACTIONS = {
  hives: { code: '247472004', display: 'Wheal (finding)', text: 'Hives' },
  anaphylaxis: { code: '39579001', display: 'Anaphylactic reaction (disorder)', text: 'Anaphylaxis' },
  nausea: { code: '422587007', display: 'Nausea (finding)', text: 'Nausea and vomiting' },
} as const;

export const PROCEDURES = {
  medicationReconciliation: { code: '430193006', display: 'Medication reconciliation (procedure)', text: 'Medication reconciliation' },
  electrocardiogram: { code: '29303009', display: 'Electrocardiographic procedure', text: 'Electrocardiogram (ECG)' },
  chestXray: { code: '399208008', display: 'Plain chest X-ray (procedure)', text: 'Chest X-ray' },
  boneImmobilization: { code: '274474001', display: 'Bone immobilization (procedure)', text: 'Cast immobilization of forearm' },
  colonoscopy: { code: '73761001', display: 'Colonoscopy (procedure)', text: 'Screening colonoscopy' },
  mammography: { code: '71651007', display: 'Mammography (procedure)', text: 'Screening mammogram' },
} as const satisfies Record<string, Concept & { text: string }>;

export type ProcedureKey = keyof typeof PROCEDURES;

export const ENCOUNTER_TYPES = {
  checkUp: { code: '185349003', display: 'Encounter for check up (procedure)', text: 'Annual check-up' },
  wellChild: { code: '410620009', display: 'Well child visit (procedure)', text: 'Well-child visit' },
  followUp: { code: '390906007', display: 'Follow-up encounter (procedure)', text: 'Follow-up visit' },
  problem: { code: '185347001', display: 'Encounter for problem (procedure)', text: 'Office visit' },
  symptom: { code: '185345009', display: 'Encounter for symptom (procedure)', text: 'Sick visit' },
  urgentCare: { code: '702927004', display: 'Urgent care clinic (procedure)', text: 'Urgent care visit' },
  emergency: { code: '50849002', display: 'Emergency room admission (procedure)', text: 'Emergency department visit' },
  inpatient: { code: '32485007', display: 'Hospital admission (procedure)', text: 'Hospital stay' },
  telehealth: { code: '448337001', display: 'Telemedicine consultation with patient (procedure)', text: 'Video visit' },
} as const satisfies Record<string, Concept & { text: string }>;

export type EncounterTypeKey = keyof typeof ENCOUNTER_TYPES;

export const DOCUMENT_TYPES = {
  progressNote: { code: '11506-3', display: 'Progress note', text: 'Progress note' },
  emergencyNote: { code: '34111-5', display: 'Emergency department Note', text: 'Emergency department note' },
  dischargeSummary: { code: '18842-5', display: 'Discharge summary', text: 'Discharge summary' },
} as const satisfies Record<string, Concept & { text: string }>;

export type DocumentTypeKey = keyof typeof DOCUMENT_TYPES;
