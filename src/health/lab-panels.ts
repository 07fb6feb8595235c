/**
 * Common laboratory panels and the LOINC codes of the tests they hold, so the lab results page can
 * group tests the way a clinician reads them. Codes are LOINC (https://loinc.org) as used by the
 * panels' own LOINC definitions (58410-2 CBC, 51990-0 BMP, 24323-8 CMP, 57698-3 / 24331-1 lipids,
 * 24348-5 thyroid); a test in no panel is shown under "Other tests".
 */
export interface LabPanel {
  key: string;
  name: string;
  codes: readonly string[];
}

export const LAB_PANELS: readonly LabPanel[] = [
  { key: 'cbc', name: 'Complete blood count (CBC)', codes: ['6690-2', '789-8', '718-7', '4544-3', '787-2', '785-6', '786-4', '788-0', '777-3', '32623-1'] },
  {
    key: 'metabolic',
    name: 'Metabolic panel (basic / comprehensive)',
    codes: [
      '2345-7', '2339-0', '3094-0', '6299-2', '2160-0', '38483-4', '2951-2', '2823-3', '6298-4', '2075-0', '2028-9', '1963-8', '17861-6',
      '49765-1', '33914-3', '62238-1', '98979-8', '48642-3', '48643-1', '1751-7', '2885-2', '1975-2', '6768-6', '1742-6', '1920-8',
    ],
  },
  { key: 'lipids', name: 'Lipid panel', codes: ['2093-3', '2571-8', '2085-9', '18262-6', '13457-7', '2089-1', '43396-1'] },
  { key: 'thyroid', name: 'Thyroid', codes: ['3016-3', '11580-8', '3024-7', '3026-2', '3053-6'] },
  { key: 'hba1c', name: 'Hemoglobin A1c', codes: ['4548-4', '17856-6', '59261-8'] },
];

const PANEL_OF = new Map<string, LabPanel>(LAB_PANELS.flatMap((panel) => panel.codes.map((code) => [code, panel] as const)));

export const OTHER_PANEL = { key: 'other', name: 'Other tests' } as const;

/** The panel a LOINC test code belongs to, or "other". */
export function panelOf(loinc: string): { key: string; name: string } {
  const panel = PANEL_OF.get(loinc);
  return panel ? { key: panel.key, name: panel.name } : OTHER_PANEL;
}
