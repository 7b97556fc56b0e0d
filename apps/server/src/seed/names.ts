/** Common Bangladeshi given names and family names, with their Bengali spelling. */
export const FEMALE_NAMES: readonly (readonly [string, string])[] = [
  ['Fatema', 'ফাতেমা'], ['Ayesha', 'আয়েশা'], ['Nusrat', 'নুসরাত'], ['Sultana', 'সুলতানা'], ['Taslima', 'তাসলিমা'],
  ['Rokeya', 'রোকেয়া'], ['Shirin', 'শিরিন'], ['Nasrin', 'নাসরিন'], ['Jannatul', 'জান্নাতুল'], ['Sumaiya', 'সুমাইয়া'],
  ['Rehana', 'রেহানা'], ['Moushumi', 'মৌসুমী'], ['Tahmina', 'তাহমিনা'], ['Farzana', 'ফারজানা'], ['Sharmin', 'শারমিন'],
  ['Lipi', 'লিপি'], ['Rina', 'রিনা'], ['Anjali', 'অঞ্জলি'], ['Priya', 'প্রিয়া'], ['Mitu', 'মিতু'],
  ['Khadija', 'খাদিজা'], ['Salma', 'সালমা'], ['Rumana', 'রুমানা'], ['Shapla', 'শাপলা'], ['Dipa', 'দীপা'],
];
export const MALE_NAMES: readonly (readonly [string, string])[] = [
  ['Mohammad', 'মোহাম্মদ'], ['Abdul', 'আব্দুল'], ['Rahim', 'রহিম'], ['Karim', 'করিম'], ['Hasan', 'হাসান'],
  ['Rafiq', 'রফিক'], ['Jamal', 'জামাল'], ['Kamal', 'কামাল'], ['Shahid', 'শহীদ'], ['Anwar', 'আনোয়ার'],
  ['Mizanur', 'মিজানুর'], ['Habibur', 'হাবিবুর'], ['Sohel', 'সোহেল'], ['Tanvir', 'তানভীর'], ['Imran', 'ইমরান'],
  ['Arif', 'আরিফ'], ['Nazmul', 'নাজমুল'], ['Sajib', 'সজীব'], ['Rasel', 'রাসেল'], ['Biplob', 'বিপ্লব'],
  ['Subrata', 'সুব্রত'], ['Prosenjit', 'প্রসেনজিৎ'], ['Milon', 'মিলন'], ['Faruk', 'ফারুক'], ['Masud', 'মাসুদ'],
];
export const FAMILY_NAMES: readonly (readonly [string, string])[] = [
  ['Rahman', 'রহমান'], ['Hossain', 'হোসেন'], ['Islam', 'ইসলাম'], ['Ahmed', 'আহমেদ'], ['Khan', 'খান'],
  ['Uddin', 'উদ্দিন'], ['Akter', 'আক্তার'], ['Begum', 'বেগম'], ['Chowdhury', 'চৌধুরী'], ['Sarkar', 'সরকার'],
  ['Mia', 'মিয়া'], ['Das', 'দাস'], ['Roy', 'রায়'], ['Saha', 'সাহা'], ['Biswas', 'বিশ্বাস'],
  ['Talukder', 'তালুকদার'], ['Mondal', 'মণ্ডল'], ['Sheikh', 'শেখ'], ['Haque', 'হক'], ['Alam', 'আলম'],
  ['Kabir', 'কবির'], ['Siddique', 'সিদ্দিকী'], ['Barua', 'বড়ুয়া'], ['Chakma', 'চাকমা'], ['Majumder', 'মজুমদার'],
];

/** Share of the population per five-year age band (0-4 ... 80+), after Bangladesh's 2022 census pyramid. */
export const AGE_BANDS: readonly (readonly [number, number])[] = [
  [0, 9.0], [5, 9.0], [10, 9.5], [15, 9.5], [20, 9.0], [25, 8.5], [30, 8.0], [35, 7.0], [40, 6.5],
  [45, 5.5], [50, 5.0], [55, 4.0], [60, 3.3], [65, 2.5], [70, 1.8], [75, 1.1], [80, 0.9],
];
