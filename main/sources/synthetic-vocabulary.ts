/**
 * Realistic parts the synthetic generator assembles hearings from. Codes follow Congress.gov's
 * systemCode scheme (chamber letter, committee letters, 00 for the full committee, two digits for
 * a subcommittee); names and agencies are the ones a reader of the feed would recognise.
 */
export type ChamberName = 'House' | 'Senate' | 'NoChamber';

export interface CommitteeEntry {
  systemCode: string;
  name: string;
  chamber: ChamberName;
  agencies: readonly string[];
  topics: readonly string[];
  subcommittees: readonly { systemCode: string; name: string }[];
}

function committee(
  chamber: ChamberName,
  systemCode: string,
  name: string,
  agencies: string[],
  topics: string[],
  subcommittees: [string, string][] = [],
): CommitteeEntry {
  return {
    systemCode,
    name,
    chamber,
    agencies,
    topics,
    subcommittees: subcommittees.map(([code, subName]) => ({ systemCode: code, name: subName })),
  };
}

export const COMMITTEES: readonly CommitteeEntry[] = [
  committee('House', 'hsif00', 'Energy and Commerce Committee',
    ['Department of Energy', 'Federal Communications Commission', 'Food and Drug Administration', 'Environmental Protection Agency'],
    ['the Future of American Energy Dominance', 'Kids Online Safety', 'Drug Supply Chain Security', 'Spectrum Policy', 'Artificial Intelligence in Health Care'],
    [['hsif14', 'Health Subcommittee'], ['hsif16', 'Communications and Technology Subcommittee'], ['hsif03', 'Energy Subcommittee'], ['hsif02', 'Oversight and Investigations Subcommittee']]),
  committee('House', 'hsas00', 'Armed Services Committee',
    ['Department of the Army', 'Department of the Navy', 'Department of the Air Force', 'Missile Defense Agency'],
    ['Military Readiness', 'the Defense Industrial Base', 'Shipbuilding', 'Military Housing', 'Hypersonic Weapons'],
    [['hsas03', 'Readiness Subcommittee'], ['hsas02', 'Military Personnel Subcommittee'], ['hsas28', 'Seapower and Projection Forces Subcommittee']]),
  committee('House', 'hsju00', 'Judiciary Committee',
    ['Department of Justice', 'Federal Bureau of Investigation', 'Bureau of Alcohol, Tobacco, Firearms and Explosives', 'U.S. Citizenship and Immigration Services'],
    ['Border Security', 'Antitrust Enforcement in Digital Markets', 'Section 702 Surveillance Authorities', 'Copyright and Artificial Intelligence'],
    [['hsju01', 'Subcommittee on Crime and Federal Government Surveillance'], ['hsju03', 'Subcommittee on Courts, Intellectual Property, Artificial Intelligence, and the Internet']]),
  committee('House', 'hsba00', 'Financial Services Committee',
    ['Securities and Exchange Commission', 'Federal Reserve', 'Department of Housing and Urban Development', 'Consumer Financial Protection Bureau'],
    ['Digital Assets', 'Community Banking', 'Housing Affordability', 'Monetary Policy and the State of the Economy'],
    [['hsba16', 'Subcommittee on Digital Assets, Financial Technology, and Artificial Intelligence'], ['hsba04', 'Subcommittee on Housing and Insurance']]),
  committee('House', 'hsgo00', 'Oversight and Government Reform Committee',
    ['Office of Personnel Management', 'General Services Administration', 'U.S. Postal Service', 'Secret Service'],
    ['Federal Telework Policies', 'Improper Payments', 'Federal IT Modernization', 'Government Efficiency'],
    [['hsgo24', 'Subcommittee on Government Operations'], ['hsgo12', 'Subcommittee on Cybersecurity, Information Technology, and Government Innovation']]),
  committee('House', 'hspw00', 'Transportation and Infrastructure Committee',
    ['Federal Aviation Administration', 'Federal Highway Administration', 'U.S. Army Corps of Engineers', 'Amtrak'],
    ['Air Traffic Control Modernization', 'Surface Transportation Reauthorization', 'Water Resources Development', 'Pipeline Safety'],
    [['hspw05', 'Subcommittee on Aviation'], ['hspw12', 'Subcommittee on Highways and Transit']]),
  committee('House', 'hswm00', 'Ways and Means Committee',
    ['Internal Revenue Service', 'Social Security Administration', 'Office of the U.S. Trade Representative'],
    ['Tax Relief for Working Families', 'Trade Enforcement', 'Social Security Solvency', 'Rural Health Care'],
    [['hswm02', 'Subcommittee on Health'], ['hswm04', 'Subcommittee on Trade']]),
  committee('House', 'hsap00', 'Appropriations Committee',
    ['Department of Defense', 'Department of Homeland Security', 'Department of Veterans Affairs', 'National Institutes of Health'],
    ['Fiscal Year 2026 Budget Request', 'Public Witness Day', 'Member Requests'],
    [['hsap02', 'Subcommittee on Defense'], ['hsap15', 'Subcommittee on Homeland Security']]),
  committee('House', 'hssy00', 'Science, Space, and Technology Committee',
    ['National Aeronautics and Space Administration', 'National Science Foundation', 'National Oceanic and Atmospheric Administration'],
    ['Weather Forecasting Innovation', 'Quantum Computing', 'the Artemis Program', 'Research Security'],
    [['hssy16', 'Subcommittee on Space and Aeronautics']]),
  committee('House', 'hsvr00', "Veterans' Affairs Committee",
    ['Department of Veterans Affairs', 'Veterans Benefits Administration'],
    ['the VA Electronic Health Record Modernization Program', 'Veteran Suicide Prevention', 'Community Care Access'],
    [['hsvr03', 'Subcommittee on Health'], ['hsvr08', 'Subcommittee on Oversight and Investigations']]),
  committee('Senate', 'ssju00', 'Judiciary Committee',
    ['Department of Justice', 'Federal Bureau of Investigation', 'U.S. Marshals Service'],
    ['Protecting Children Online', 'Judicial Nominations', 'Fentanyl Trafficking', 'Competition in Prescription Drug Markets'],
    [['ssju01', 'Subcommittee on Antitrust, Competition Policy, and Consumer Rights'], ['ssju25', 'Subcommittee on the Constitution']]),
  committee('Senate', 'ssfr00', 'Foreign Relations Committee',
    ['Department of State', 'U.S. Agency for International Development', 'Millennium Challenge Corporation'],
    ['U.S. Policy in the Indo-Pacific', 'the War in Ukraine', 'Embassy Security', 'Global Health Security'],
    [['ssfr09', 'Subcommittee on East Asia, the Pacific, and International Cybersecurity Policy']]),
  committee('Senate', 'ssas00', 'Armed Services Committee',
    ['Department of Defense', 'U.S. Indo-Pacific Command', 'U.S. Cyber Command', 'National Nuclear Security Administration'],
    ['the Posture of U.S. European Command', 'Nuclear Modernization', 'Defense Acquisition Reform'],
    [['ssas14', 'Subcommittee on Airland'], ['ssas15', 'Subcommittee on Readiness and Management Support']]),
  committee('Senate', 'sscm00', 'Commerce, Science, and Transportation Committee',
    ['Federal Aviation Administration', 'National Transportation Safety Board', 'Federal Trade Commission', 'National Aeronautics and Space Administration'],
    ['Aviation Safety', 'Consumer Data Privacy', 'Broadband Deployment', 'Commercial Space'],
    [['sscm26', 'Subcommittee on Aviation, Space, and Innovation']]),
  committee('Senate', 'ssbk00', 'Banking, Housing, and Urban Affairs Committee',
    ['Federal Reserve', 'Department of the Treasury', 'Federal Deposit Insurance Corporation'],
    ['the Semiannual Monetary Policy Report to the Congress', 'Stablecoin Regulation', 'Housing Supply'],
    [['ssbk08', 'Subcommittee on Digital Assets']]),
  committee('Senate', 'sseg00', 'Energy and Natural Resources Committee',
    ['Department of Energy', 'Department of the Interior', 'U.S. Forest Service'],
    ['Wildfire Resilience', 'Critical Minerals Supply Chains', 'Electric Grid Reliability'],
    [['sseg03', 'Subcommittee on Public Lands, Forests, and Mining']]),
  committee('Senate', 'sshr00', 'Health, Education, Labor, and Pensions Committee',
    ['Department of Health and Human Services', 'Department of Education', 'Department of Labor'],
    ['the Cost of Prescription Drugs', 'Workforce Development', 'College Affordability'],
    [['sshr12', 'Subcommittee on Primary Health and Retirement Security']]),
  committee('Senate', 'ssga00', 'Homeland Security and Governmental Affairs Committee',
    ['Department of Homeland Security', 'Cybersecurity and Infrastructure Security Agency', 'Federal Emergency Management Agency'],
    ['Disaster Preparedness', 'Federal Cybersecurity', 'Border Security Operations'],
    [['ssga01', 'Permanent Subcommittee on Investigations']]),
  committee('Senate', 'ssfi00', 'Finance Committee',
    ['Internal Revenue Service', 'Centers for Medicare & Medicaid Services', 'Department of the Treasury'],
    ['Medicare Physician Payment', 'International Tax Policy', 'Child Care Affordability'],
    [['ssfi13', 'Subcommittee on Health Care']]),
  committee('NoChamber', 'jsec00', 'Joint Economic Committee',
    ['Bureau of Labor Statistics', 'Federal Reserve'],
    ['the Economic Outlook', 'Inflation and Household Budgets', 'Labor Force Participation']),
  committee('NoChamber', 'jstx00', 'Joint Committee on Taxation',
    ['Internal Revenue Service'],
    ['Tax Expenditures', 'Revenue Estimates']),
  committee('NoChamber', 'jslc00', 'Joint Committee on the Library',
    ['Library of Congress', 'Smithsonian Institution'],
    ['the National Statuary Hall Collection', 'Library Modernization']),
];

export const BUILDINGS: Record<ChamberName, readonly { building: string; rooms: readonly string[] }[]> = {
  House: [
    { building: 'Rayburn House Office Building', rooms: ['2123', '2141', '2154', '2167', '2172', '2175', '2200', '2247', '2360'] },
    { building: 'Longworth House Office Building', rooms: ['1100', '1300', '1302', '1310', '1324', '1334'] },
    { building: 'Cannon House Office Building', rooms: ['210', '310', '334', '340', '390'] },
    { building: 'U.S. Capitol', rooms: ['H-140', 'H-313', 'HVC-210'] },
  ],
  Senate: [
    { building: 'Dirksen Senate Office Building', rooms: ['106', '192', '215', '226', '342', '366', '406', '419', '430', '538', '562'] },
    { building: 'Hart Senate Office Building', rooms: ['216', '219', '902'] },
    { building: 'Russell Senate Office Building', rooms: ['222', '253', '301', '325', '418', '428A'] },
    { building: 'U.S. Capitol', rooms: ['S-116', 'S-207', 'S-211'] },
  ],
  NoChamber: [
    { building: 'Dirksen Senate Office Building', rooms: ['G50', '628'] },
    { building: 'Longworth House Office Building', rooms: ['1539'] },
  ],
};

export const ADDRESSES: Record<ChamberName, string> = {
  House: 'Washington, DC 20515',
  Senate: 'Washington, DC 20510',
  NoChamber: 'Washington, DC 20510',
};

export const FIRST_NAMES = [
  'Jennifer', 'Michael', 'Maria', 'David', 'Sarah', 'James', 'Aisha', 'Robert', 'Linda', 'Carlos', 'Emily',
  'Thomas', 'Priya', 'William', 'Grace', 'Daniel', 'Hannah', 'Kevin', 'Olivia', 'Samuel', 'Mei', 'Patrick',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Nguyen', 'Garcia', 'Patel', 'Brown', 'Okafor', 'Miller', 'Davis', 'Rodriguez', 'Kim',
  'Wilson', 'Anderson', 'Thompson', 'Martinez', 'Chen', 'Walker', 'Hughes', 'Sullivan', 'Reyes', "O'Brien",
] as const;

export const HONORIFICS: readonly (readonly [string, number])[] = [
  ['', 30], ['Mr. ', 20], ['Ms. ', 18], ['Dr. ', 16], ['The Honorable ', 10], ['Sen. ', 2], ['Rep. ', 2],
  ['General ', 1], ['Admiral ', 1],
];

export const ORGANIZATIONS = [
  'U.S. Government Accountability Office', 'Heritage Foundation', 'Brookings Institution', 'American Enterprise Institute',
  'U.S. Chamber of Commerce', 'AFL-CIO', 'National Association of Manufacturers', 'Johns Hopkins University',
  'Center for Strategic and International Studies', 'National Governors Association', 'American Hospital Association',
  'RAND Corporation', 'Bipartisan Policy Center', 'University of Texas at Austin', 'National Farmers Union',
] as const;

export const POSITIONS = [
  'President and CEO', 'Senior Fellow', 'Director', 'Professor of Law', 'Executive Director', 'Chief Economist',
  'Managing Director', 'Vice President, Government Affairs', 'Inspector General', 'Commissioner', 'Secretary',
  'Acting Administrator', 'Deputy Assistant Secretary',
] as const;

export const ACT_WORDS = {
  lead: ['American', 'Protecting', 'Strengthening', 'Modernizing', 'Securing', 'Rural', 'Small Business', 'Veterans', 'Affordable', 'Transparent'],
  subject: ['Energy', 'Broadband', 'Supply Chain', 'Health Care', 'Workforce', 'Water Infrastructure', 'Data Privacy', 'Border', 'Housing', 'Innovation'],
  tail: ['Security Act', 'Access Act', 'Accountability Act', 'Improvement Act', 'Reauthorization Act', 'Expansion Act', 'Reform Act', 'Modernization Act'],
} as const;

export const PROGRAMS = [
  'Loan Programs Office', 'Grant Programs', 'Cybersecurity Posture', 'Fiscal Year 2026 Budget Request', 'Contracting Practices',
  'Implementation of Recent Legislation', 'Hiring Practices', 'Information Technology Modernization',
] as const;

/** The full committee a code belongs to, subcommittee codes included. */
export function committeeEntryFor(systemCode: string | undefined): CommitteeEntry | undefined {
  return COMMITTEES.find(
    (entry) => entry.systemCode === systemCode || entry.subcommittees.some((sub) => sub.systemCode === systemCode),
  );
}
