/**
 * The market calendar's data: NYSE full-day closures and 13:00 ET early closes, and the bank holidays
 * on which the exchanges trade but nothing settles, year by year with the public source of each year.
 * docs/calendar.md says what is covered and how to add a year; src/domain/calendar.ts checks this
 * table when it loads and answers every question about dates from it.
 *
 * Data only: workflow code imports the calendar, so nothing here may read a file or a clock.
 */

/** The days of one stretch of the calendar that are not ordinary weekdays. */
export interface CalendarDays {
  /** NYSE full-day closures that fall on a weekday, with the holiday's name. */
  readonly closures: Readonly<Record<string, string>>;
  /** Closures on which settlement (DTC, Fedwire) still runs: unscheduled closures, not holidays. */
  readonly settlingClosures: readonly string[];
  /** NYSE 13:00 ET early closes. */
  readonly earlyCloses: Readonly<Record<string, string>>;
  /**
   * Weekdays on which the Federal Reserve Banks are closed while NYSE trades: trades of the day
   * before settle on the next settlement day. (A Fed holiday on a Saturday closes nothing: the
   * Reserve Banks are open the Friday before.)
   */
  readonly bankHolidays: Readonly<Record<string, string>>;
  /** Where these dates come from. */
  readonly sources: readonly string[];
}

/** A whole calendar year. */
export interface CalendarYear extends CalendarDays {
  readonly year: number;
}

/**
 * The first days of the year after the last covered one, through `through`: just what the last
 * covered trading day needs (its next trading day, when its confirms are matched, and its
 * settlement day). Trade dates in the run-out are not covered.
 */
export interface CalendarRunOut extends CalendarDays {
  readonly through: string;
}

export interface MarketCalendarTable {
  /** Bumped on every change to the dates. */
  readonly version: number;
  /** The date the table was last checked against its sources. */
  readonly checked: string;
  /** Consecutive whole years, oldest first. */
  readonly years: readonly CalendarYear[];
  readonly runOut: CalendarRunOut;
}

const NYSE_PAGE = 'NYSE, "Holidays and trading hours", https://www.nyse.com/markets/hours-calendars';
const NYSE_2025_2027 = 'NYSE Group, "2025, 2026 and 2027 Holiday and Early Closings Calendar" (2024-11-08)';
const NYSE_2026_2028 = 'NYSE Group, "2026, 2027 and 2028 Holiday and Early Closings Calendar" (2025-12-23)';
const FED_K8 =
  'Federal Reserve, "K.8 - Holidays Observed by the Federal Reserve System 2026-2030" (last update 2025-12-31), https://www.federalreserve.gov/aboutthefed/k8.htm';
const FINRA_BANK_HOLIDAYS =
  'FINRA (then NASD) Notices to Members 99-83 (Columbus Day) and 88-82 (Veterans Day): exchanges open, not a settlement date';

export const MARKET_CALENDAR: MarketCalendarTable = {
  version: 2,
  checked: '2026-12-01',
  years: [
    {
      year: 2025,
      closures: {
        '2025-01-01': "New Year's Day",
        '2025-01-09': 'National Day of Mourning (President Carter)',
        '2025-01-20': 'Martin Luther King Jr. Day',
        '2025-02-17': "Washington's Birthday",
        '2025-04-18': 'Good Friday',
        '2025-05-26': 'Memorial Day',
        '2025-06-19': 'Juneteenth',
        '2025-07-04': 'Independence Day',
        '2025-09-01': 'Labor Day',
        '2025-11-27': 'Thanksgiving',
        '2025-12-25': 'Christmas',
      },
      settlingClosures: ['2025-01-09'],
      earlyCloses: {
        '2025-07-03': 'Day before Independence Day',
        '2025-11-28': 'Day after Thanksgiving',
        '2025-12-24': 'Christmas Eve',
      },
      bankHolidays: { '2025-10-13': 'Columbus Day', '2025-11-11': 'Veterans Day' },
      sources: [
        NYSE_2025_2027,
        'NYSE notice of 2024-12-30: markets closed on 2025-01-09 for the National Day of Mourning',
        'SIFMA, "Unscheduled close market matrix" for 2025-01-09: equity markets closed, settlement and Fedwire open',
        'Federal Reserve Bank of Richmond, "Holiday Schedule" 2025-2027, https://www.richmondfed.org/about_us/holiday_schedule',
        FINRA_BANK_HOLIDAYS,
      ],
    },
    {
      year: 2026,
      closures: {
        '2026-01-01': "New Year's Day",
        '2026-01-19': 'Martin Luther King Jr. Day',
        '2026-02-16': "Washington's Birthday",
        '2026-04-03': 'Good Friday',
        '2026-05-25': 'Memorial Day',
        '2026-06-19': 'Juneteenth',
        '2026-07-03': 'Independence Day (observed)',
        '2026-09-07': 'Labor Day',
        '2026-11-26': 'Thanksgiving',
        '2026-12-25': 'Christmas',
      },
      settlingClosures: [],
      earlyCloses: { '2026-11-27': 'Day after Thanksgiving', '2026-12-24': 'Christmas Eve' },
      bankHolidays: { '2026-10-12': 'Columbus Day', '2026-11-11': 'Veterans Day' },
      sources: [NYSE_2026_2028, NYSE_2025_2027, NYSE_PAGE, FED_K8, FINRA_BANK_HOLIDAYS],
    },
    {
      year: 2027,
      closures: {
        '2027-01-01': "New Year's Day",
        '2027-01-18': 'Martin Luther King Jr. Day',
        '2027-02-15': "Washington's Birthday",
        '2027-03-26': 'Good Friday',
        '2027-05-31': 'Memorial Day',
        '2027-06-18': 'Juneteenth (observed)',
        '2027-07-05': 'Independence Day (observed)',
        '2027-09-06': 'Labor Day',
        '2027-11-25': 'Thanksgiving',
        '2027-12-24': 'Christmas (observed)',
        // New Year's Day 2028 falls on a Saturday and is not observed: Fri 2027-12-31 trades.
      },
      settlingClosures: [],
      earlyCloses: { '2027-11-26': 'Day after Thanksgiving' },
      bankHolidays: { '2027-10-11': 'Columbus Day', '2027-11-11': 'Veterans Day' },
      sources: [NYSE_2026_2028, NYSE_2025_2027, NYSE_PAGE, FED_K8, FINRA_BANK_HOLIDAYS],
    },
    {
      year: 2028,
      // No New Year's Day closure: 2028-01-01 is a Saturday and NYSE observes none (NYSE Rule 7.2).
      closures: {
        '2028-01-17': 'Martin Luther King Jr. Day',
        '2028-02-21': "Washington's Birthday",
        '2028-04-14': 'Good Friday',
        '2028-05-29': 'Memorial Day',
        '2028-06-19': 'Juneteenth',
        '2028-07-04': 'Independence Day',
        '2028-09-04': 'Labor Day',
        '2028-11-23': 'Thanksgiving',
        '2028-12-25': 'Christmas',
      },
      settlingClosures: [],
      // Christmas Eve 2028 is a Sunday: no early close in December.
      earlyCloses: { '2028-07-03': 'Day before Independence Day', '2028-11-24': 'Day after Thanksgiving' },
      // Veterans Day 2028 is a Saturday: the Reserve Banks are open on Friday 2028-11-10.
      bankHolidays: { '2028-10-09': 'Columbus Day' },
      sources: [NYSE_2026_2028, NYSE_PAGE, FED_K8, FINRA_BANK_HOLIDAYS],
    },
  ],
  runOut: {
    through: '2029-01-02',
    closures: { '2029-01-01': "New Year's Day" },
    settlingClosures: [],
    earlyCloses: {},
    bankHolidays: {},
    sources: [
      "NYSE Rule 7.2: New Year's Day is an Exchange holiday (2029-01-01 is a Monday; NYSE has not yet published 2029)",
      FED_K8,
    ],
  },
};
